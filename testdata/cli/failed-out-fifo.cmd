# --failed-out on a FIFO: the event goes to the reader, the FIFO stays
mkfifo pipe
timeout 20 cat pipe >got.json &
reader=$!
$BIN -n --failed-out pipe "$DATA/damage.json" >/dev/null
rc=$?
wait "$reader" || fail "the reader got nothing (exit $?)"
[ -p pipe ] || fail "pipe is no longer a FIFO: $(ls -l pipe)"
head -c 12 got.json | grep -q '^{"Records":\[' || fail "the reader got \"$(head -c 80 got.json)\""
[ "$(ls -A | grep -c tmp)" -eq 0 ] || fail "left files: $(ls -A)"
exit $rc
