printf '{"Records":[]}\n{"Records":[]]\n' | $BIN -n
