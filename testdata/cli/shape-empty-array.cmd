printf '[]\n[ ]\n' | $BIN -n
