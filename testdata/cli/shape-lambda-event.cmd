$BIN -n "$DATA/event-lambda.json"
