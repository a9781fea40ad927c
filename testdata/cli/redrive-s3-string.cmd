# The same object with its payload as a JSON string: the same records, byte for byte.
cd "$DATA/../redrive" && $BIN -n --no-progress --report "$TMP/report.ndjson" s3-object-string.json && cut -d, -f3- "$TMP/report.ndjson"
