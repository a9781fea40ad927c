# A record over --max-record-size stops the run (exit 3); the continuation gives a limit that
# holds it (review 61: it kept this run's, and stopped at the same record again): the
# record's size rounded up to a KiB when it was measured whole, else twice the limit. Run,
# each continuation reads on to the end.
pad=$(head -c 3000 /dev/zero | tr "\0" x)
{
  printf '{"eventName":"REMOVE"}\n'
  printf '{"eventName":"REMOVE","pad":"%s"}\n' "$pad"
  printf '{"eventName":"REMOVE"}\n'
} >in.ndjson
$BIN -n --max-record-size 1024 in.ndjson >/dev/null 2>err
[ $? -eq 3 ] || fail "first run: not exit 3: $(cat err)"
grep -q "the continuation gives --max-record-size 3072: the record is 3031 bytes" err ||
  fail "no raised limit said: $(cat err)"
cmd=$(sed -n 's/^a2a-recover: continue with: //p' err)
case $cmd in *"--max-record-size 3072 --resume-from 22 in.ndjson") ;; *) fail "continuation: $cmd" ;; esac
eval "$cmd" >/dev/null || fail "the continuation failed: $cmd"
# outgrown before its end was read (a 3 MiB record, 1 MiB read at a time): a file is read
# again to the record's end (review 64: the limit doubled run after run), and the
# continuation reads on to the end
pad=$(head -c 3145728 /dev/zero | tr "\0" x)
printf '{"eventName":"REMOVE","pad":"%s"}\n' "$pad" >big.ndjson
$BIN -n --max-record-size 1048576 big.ndjson >/dev/null 2>err
[ $? -eq 3 ] || fail "big run: not exit 3: $(cat err)"
grep -q "the continuation gives --max-record-size 3146752: the record is 3145759 bytes" err ||
  fail "no measured limit said: $(cat err)"
cmd=$(sed -n 's/^a2a-recover: continue with: //p' err)
eval "$cmd" >/dev/null || fail "the big continuation failed: $cmd"
# from a pipe, which cannot be read again: twice the limit
cat big.ndjson | $BIN -n --max-record-size 1048576 >/dev/null 2>err
[ $? -eq 3 ] || fail "piped run: not exit 3: $(cat err)"
grep -q "the continuation gives --max-record-size 2097152, twice this run's 1048576" err ||
  fail "no doubled limit said: $(cat err)"
exit 0
