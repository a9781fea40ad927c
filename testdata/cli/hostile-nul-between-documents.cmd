printf '{"Records":[]}\000{"Records":[]}' | $BIN -n
