$BIN -n "$DATA/event-lambda.json" "$DATA/bad-trailing-comma.json"
