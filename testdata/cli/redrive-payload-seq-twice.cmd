# An S3 payload record whose SequenceNumber is given twice cannot be checked against the range:
# the message is unusable, and says so (it said the record had no SequenceNumber string).
sed 's/"SequenceNumber": "800000000003126276363"/"SequenceNumber": "800000000003126276363", "SequenceNumber": "800000000003126276362"/' \
    "$DATA/../redrive/s3-object.json" > "$TMP/twice.json"
$BIN -n "$TMP/twice.json"
