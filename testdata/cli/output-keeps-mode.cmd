# replacing a regular file keeps its mode (and, as root, its owner and group)
echo old >resp.json
chmod 644 resp.json
echo old >failed.json
chmod 664 failed.json
[ "$(id -u)" -ne 0 ] || chown 1:2 resp.json failed.json
$BIN -n -o resp.json --failed-out failed.json "$DATA/ok-batch.json"
rc=$?
[ "$(stat -c %a resp.json)" = 644 ] || fail "resp.json mode $(stat -c %a resp.json), expected 644"
[ "$(stat -c %a failed.json)" = 664 ] || fail "failed.json mode $(stat -c %a failed.json), expected 664"
if [ "$(id -u)" -eq 0 ]; then
	[ "$(stat -c %u:%g resp.json)" = 1:2 ] || fail "resp.json owner $(stat -c %u:%g resp.json), expected 1:2"
fi
printf '%s\n' '{"batchItemFailures":[]}' | cmp -s - resp.json || fail "resp.json holds \"$(head -c 80 resp.json)\""
exit $rc
