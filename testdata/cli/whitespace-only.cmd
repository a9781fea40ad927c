printf ' \n\t\r\n' > ws.json; $BIN -n ws.json
