printf "{'Records':[]}" | $BIN -n
