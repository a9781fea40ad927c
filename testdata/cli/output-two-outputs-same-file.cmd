# two outputs on one file would overwrite each other: refused, whether the file exists or not
$BIN -n -o same.json --failed-out same.json "$DATA/ok-batch.json"
rc1=$?
[ ! -e same.json ] || fail "same.json created"
echo old >same.json
$BIN -n -o same.json --report same.json "$DATA/ok-batch.json"
rc2=$?
[ "$(cat same.json)" = old ] || fail "same.json changed"
[ "$rc1" -eq 2 ] || fail "new file: exit $rc1, expected 2"
exit $rc2
