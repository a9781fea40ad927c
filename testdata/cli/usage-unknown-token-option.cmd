# --token is not an option (a token never goes on argv): the hint names the safe places, and
# neither the separate nor the attached value is repeated
$BIN -n --token tok-s3cret-1 "$DATA/ok-batch.json"
rc=$?
$BIN -n --token=tok-s3cret-2 "$DATA/ok-batch.json"
[ $? -eq 2 ] || fail "--token=VALUE: not exit 2"
exit $rc
