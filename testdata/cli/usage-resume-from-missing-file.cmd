$BIN -n --resume-from 10 no-such-file.json
