printf '{"Records":[]}' | $BIN -n
