printf '\000{"Records":[]}' | $BIN -n
