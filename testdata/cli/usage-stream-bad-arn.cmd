$BIN -n --stream arn:aws:s3:::bucket --endpoint-url http://127.0.0.1:9
