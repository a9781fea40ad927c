$BIN -n --report - "$DATA/event-lambda.json" </dev/null
