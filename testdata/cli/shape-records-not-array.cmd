printf '{"Records":{"eventName":"INSERT"}}' | $BIN -n
