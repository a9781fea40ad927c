$BIN -n -v "$DATA/damage.json" 2>err.txt
rc=$?
n=$(grep -c "^a2a-recover: .*/damage\.json: record [0-9][0-9]*[ :]" err.txt)
[ "$n" -eq 42 ] || fail "-v: $n per-record lines, expected 42"
cat err.txt >&2
exit $rc
