$BIN -n -o resp.json "$DATA/damage.json"
rc=$?
if [ -f resp.json ]; then
	cmp -s resp.json "$DATA/damage-batch.out" || fail "-o: resp.json differs from damage-batch.out"
else
	fail "-o: resp.json not created"
fi
[ "$(ls -A | grep -v -e "^resp\.json\$" -e "^\.")" = "" ] || fail "-o: left files: $(ls -A)"
exit $rc
