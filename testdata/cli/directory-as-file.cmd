mkdir adir && $BIN -n adir
