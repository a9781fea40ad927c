printf '42\n' | $BIN -n
