$BIN -n "$DATA/hostile-dup-dynamodb.json"
