$BIN -n -o /nonexistent/dir/o.json "$DATA/event-lambda.json" no-such-file.json
