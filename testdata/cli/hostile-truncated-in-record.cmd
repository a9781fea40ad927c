head -c 200 "$DATA/event-lambda.json" | $BIN -n
