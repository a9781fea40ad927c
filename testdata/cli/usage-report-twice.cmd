$BIN -u http://127.0.0.1:9/a --report "$TMP/r.jsonl" --report "$TMP/r2.jsonl" "$DATA/event-lambda.json" </dev/null
