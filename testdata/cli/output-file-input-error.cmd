# An input error before any record was read: nothing to report, -o is not written.
printf 'garbage\n' >bad.json
$BIN -n -o resp.json bad.json
rc=$?
[ ! -e resp.json ] || fail "-o: resp.json written after an input error with no record read"
exit $rc
