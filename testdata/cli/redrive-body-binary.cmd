# A message whose Body starts with a control byte (escaped in the JSON): the message is named
# unusable, and the advice for a gzip or UTF-16 file is not given: the Body is no file, and
# "zcat FILE" would be about the wrong thing. Exit 1 (the message is refused, not the input).
printf '{"Messages":[{"MessageId":"m1","ReceiptHandle":"r1","Body":"\\u001f\\u008bxyz"}]}\n' > "$TMP/q.json"
$BIN -n --no-progress --endpoint-url http://127.0.0.1:9 "$TMP/q.json"
