printf '{"Records":"[]"}' | $BIN -n
