# A mistyped output path is said before --resume-from's check reads the file up to the offset
# (a long read on a large file, only to fail on -o after it); a --report file the refused run
# created is not left behind, empty.
$BIN -n -o "$TMP/no-such-dir/out.json" --resume-from 227 "$DATA/records.ndjson"
echo "first: exit $?" >&2
$BIN -n --report "$TMP/r.ndjson" --resume-from 227 "$DATA/records.ndjson" 2>/dev/null
echo "second: exit $?" >&2
test -e "$TMP/r.ndjson" && echo "--report left behind" >&2
exit 0
