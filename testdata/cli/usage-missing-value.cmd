$BIN -n -j
