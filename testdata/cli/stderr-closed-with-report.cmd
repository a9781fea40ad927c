# golden: no-valgrind (valgrind itself occupies closed standard descriptors)
# the --report file must not take the place of the closed standard error
$BIN -n --report rep.ndjson "$DATA/damage.json" 2>&-
rc=$?
[ "$(grep -c "^{\"position\":" rep.ndjson)" -eq 42 ] || fail "--report: not 42 report lines"
grep -v "^{\"position\":" rep.ndjson | head -n 3 | while IFS= read -r l; do fail "--report holds a foreign line: $l"; done
exit $rc
