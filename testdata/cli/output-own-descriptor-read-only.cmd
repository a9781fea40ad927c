# -o, --report naming a descriptor of the process that is open for reading only (standard
# input) are refused with the reason, not "out of memory"; one open for reading and writing
# that is the input is refused as an input.
for spec in "-o /dev/stdin" "-o /dev/fd/0" "--report /proc/self/fd/0"; do
    # shellcheck disable=SC2086
    $BIN -n $spec "$DATA/ok-batch.json" </dev/null >out.txt 2>err.txt
    rc=$?
    [ "$rc" -eq 2 ] || fail "$spec: exit $rc"
    grep -qxF "a2a-recover: $spec: not open for writing" err.txt ||
        fail "$spec: $(cat err.txt)"
done
cp "$DATA/ok-batch.json" cap.json
$BIN -n -o /dev/stdin 0<>cap.json
rc=$?
cmp -s cap.json "$DATA/ok-batch.json" || fail "cap.json changed"
exit $rc
