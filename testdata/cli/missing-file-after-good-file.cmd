$BIN -n "$DATA/event-lambda.json" no-such-file.json
