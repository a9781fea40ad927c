# a FIFO at the path is written directly, never replaced by a regular file (the reader gives
# up after 20 s: a FIFO replaced leaves it waiting for a writer that never comes)
mkfifo pipe
timeout 20 cat pipe >got.json &
reader=$!
$BIN -n -o pipe "$DATA/ok-batch.json"
rc=$?
wait "$reader" || fail "the reader got nothing (exit $?)"
[ -p pipe ] || fail "pipe is no longer a FIFO: $(ls -l pipe)"
printf '%s\n' '{"batchItemFailures":[]}' | cmp -s - got.json || fail "the reader got \"$(head -c 80 got.json)\""
[ "$(ls -A | grep -c tmp)" -eq 0 ] || fail "left files: $(ls -A)"
exit $rc
