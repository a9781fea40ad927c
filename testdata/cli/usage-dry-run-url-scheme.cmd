$BIN -n -u ftp://127.0.0.1/r "$DATA/event-lambda.json" </dev/null
