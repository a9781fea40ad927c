$BIN -n -q --help "$DATA/no-such-file.json" | grep -c "^usage: a2a-recover "
