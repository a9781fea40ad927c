$BIN -n --from latest
