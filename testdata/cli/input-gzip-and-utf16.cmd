# A compressed or UTF-16 file is not read as JSON: the message says what it looks like and
# what to do (it said only "found byte 0x1f" or "0xff"). Exit 3 each. The continuation is
# not offered as it is: the same input would fail again in the same place (review 59).
printf '{"Records":[]}\n' | gzip > "$TMP/batch.json.gz"
$BIN -n "$TMP/batch.json.gz"
echo "gzip: exit $?" >&2
printf '\377\376{\000}\000' > "$TMP/u16.json"
$BIN -n "$TMP/u16.json"
echo "utf-16: exit $?" >&2
printf '{\000}\000' > "$TMP/u16le.json"
$BIN -n "$TMP/u16le.json"
echo "utf-16 without a mark: exit $?" >&2
exit 0
