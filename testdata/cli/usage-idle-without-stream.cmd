$BIN -n --idle 5
