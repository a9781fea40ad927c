# The check of --resume-from reads the file up to the offset; --max-time (or a signal) stops it
# like any other part of the run: exit 124, nothing read, and the run ends as a stopped one does
# (the response, the summary, the offset as its resume point, not checked). 300,000 records
# take far longer to read than the 1 ms allowed.
python3 -c "import sys; sys.stdout.write('{\"eventName\":\"X\"}\n' * 300000)" > "$TMP/many.ndjson"
$BIN -n --summary-json "$TMP/s.json" --max-time 0.001 --resume-from 5399999 "$TMP/many.ndjson"
rc=$?
grep -o '"complete":false,"exitStatus":124' "$TMP/s.json" >&2
grep -o '"resumeFrom":"5399999"' "$TMP/s.json" >&2
exit $rc
