# Two S3 on-failure objects one a line (no stream read), then a document cut short: the resume
# point is after the last message read, the end of its invocation record, not the file's start
# (where the continuation would read both messages again), and the continuation it names is
# taken by the --resume-from check. With an unusable message first (a payload record outside
# its range), the resume point is still after message 2: a failure of its own is reported, as
# in a run read to its end (read again, it would fail again and hold every continuation
# behind it), and a line says the continuation does not read it again.
for n in 1 2; do tr -d '\n' < "$DATA/../redrive/s3-object.json"; echo; done > "$TMP/d.ndjson"
printf '{"Records":' >> "$TMP/d.ndjson"
$BIN -n "$TMP/d.ndjson"
echo "first run: exit $?" >&2
$BIN -n --resume-from 4683 "$TMP/d.ndjson"
echo "second run: exit $?" >&2
{ tr -d '\n' < "$DATA/../redrive/s3-object-outside.json"; echo; sed -n '2,3p' "$TMP/d.ndjson"; } > "$TMP/u.ndjson"
$BIN -n "$TMP/u.ndjson"
