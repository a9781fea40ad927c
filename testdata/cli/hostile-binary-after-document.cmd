printf '{"Records":[]}\211PNG\r\n\032\n' | $BIN -n
