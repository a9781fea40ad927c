printf 'hello, world\n' | $BIN -n
