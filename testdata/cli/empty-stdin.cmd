$BIN -n < /dev/null
