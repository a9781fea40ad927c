# --endpoint-url and --profile apply to the ranges of on-failure records too: accepted
# without --stream. An S3 object's records come from its payload: no stream is read.
$BIN -n --no-progress --endpoint-url http://127.0.0.1:9 --profile prod "$DATA/../redrive/s3-object.json"
