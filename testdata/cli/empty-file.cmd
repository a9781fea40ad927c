: > empty.json; $BIN -n empty.json
