$BIN -n -o resp.json "$DATA/bad-trailing-comma.json"
rc=$?
[ ! -e resp.json ] || fail "-o: resp.json written after an input error"
exit $rc
