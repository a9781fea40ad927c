$BIN -n --acked-messages acked.ndjson "$DATA/../redrive/s3-object.json"
