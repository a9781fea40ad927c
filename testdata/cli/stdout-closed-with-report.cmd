# golden: no-valgrind (valgrind itself occupies closed standard descriptors)
# the --report file must not take the place of the closed standard output
$BIN -n --report rep.ndjson "$DATA/ok-batch.json" >&-
rc=$?
[ "$(grep -c "^{\"position\":" rep.ndjson)" -eq 5 ] || fail "--report: not 5 report lines"
grep -v "^{\"position\":" rep.ndjson | head -n 3 | while IFS= read -r l; do fail "--report holds a foreign line: $l"; done
exit $rc
