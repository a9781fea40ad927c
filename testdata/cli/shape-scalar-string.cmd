printf '{"Records":[]}\n"INSERT"\n' | $BIN -n
