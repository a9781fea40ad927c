printf '{"Records":[}' | $BIN -n
