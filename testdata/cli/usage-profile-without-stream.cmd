$BIN -n --profile prod
