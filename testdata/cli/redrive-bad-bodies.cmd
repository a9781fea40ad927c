# A Body that is not JSON, an SNS envelope whose Message is not JSON: each message named,
# with the byte inside its string (exit 1, not 3: the other messages still count). The third
# names a range no credentials can read (none here): exit 6 comes first.
cd "$DATA/../redrive" && $BIN -n --no-progress --endpoint-url http://127.0.0.1:9 sqs-bad-messages.json
