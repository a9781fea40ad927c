$BIN -n -u http:///internal/push/redispatch "$DATA/event-lambda.json" </dev/null
