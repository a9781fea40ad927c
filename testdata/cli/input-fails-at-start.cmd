# An input that fails at its start (empty, not JSON) gets its resume point and continuation
# like any, and a line that the continuation fails the same way until the input is mended
# (review 65: the command alone read as if running it would help). Not said of an input
# that failed later: its continuation starts past what was read.
: >empty.json
printf 'hello\n' >text.txt
printf '{"Records":[{"eventName":"REMOVE"},' >cut.json
for f in empty.json text.txt cut.json; do
  $BIN -n "$f" >/dev/null 2>err.$f
  [ $? -eq 3 ] || fail "$f: not exit 3"
  grep -q '^a2a-recover: continue with: ' err.$f || fail "$f: no continuation: $(cat err.$f)"
done
grep -q "^a2a-recover: empty.json failed at its start (the error above): the continuation fails the same way until it is fixed or replaced$" err.empty.json || fail "empty: $(cat err.empty.json)"
grep -q "^a2a-recover: text.txt failed at its start" err.text.txt || fail "text: $(cat err.text.txt)"
! grep -q "failed at its start" err.cut.json || fail "cut: $(cat err.cut.json)"
exit 0
