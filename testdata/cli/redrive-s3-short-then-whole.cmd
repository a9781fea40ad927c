# Found by an operator audit: the S3 object of a batch short of its last record, then the
# whole object of the same range. The second was dropped as a duplicate of the first (its
# records never sent, "1 would dispatch"); it supplies the range: its records are replayed
# (the first record a second time: the endpoint is idempotent). Exit 1: the first is unusable.
cd "$DATA/../redrive" && { $BIN -n --no-progress --report "$TMP/report.ndjson" s3-object-short-then-whole.ndjson; rc=$?; cat "$TMP/report.ndjson"; exit $rc; }
