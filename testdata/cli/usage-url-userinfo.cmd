# a user name and password in the URL: refused, pointing to where a secret belongs, the
# password never repeated (nor the user name), from -u, from A2A_RECOVER_URL, in a dry run
$BIN -u 'https://operator:hunter2-pass@127.0.0.1:1/r' "$DATA/ok-batch.json"
rc=$?
A2A_RECOVER_URL='http://operator:hunter2-pass@127.0.0.1:1/r' $BIN "$DATA/ok-batch.json"
[ $? -eq 2 ] || fail "A2A_RECOVER_URL with a password: not refused"
$BIN -n -u 'https://operator@127.0.0.1:1/r' "$DATA/ok-batch.json"
[ $? -eq 2 ] || fail "dry run, user name only: not refused"
exit $rc
