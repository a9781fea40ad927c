$BIN -n "$DATA/get-records-exp.json"
