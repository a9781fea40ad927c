$BIN -n --stream arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2026-01-01T00:00:00.000 --endpoint-url http://:8000
