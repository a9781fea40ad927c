$BIN -n - "$DATA/event-lambda.json" - </dev/null
