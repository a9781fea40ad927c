printf 'null' | $BIN -n
