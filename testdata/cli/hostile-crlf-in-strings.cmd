$BIN -n -v "$DATA/hostile-crlf.json" >out.txt 2>err.txt
rc=$?
grep -q "$(printf "\r")" err.txt && fail "a raw CR reached stderr"
grep -Eq "^(X-Injected|GET|Host)" err.txt && fail "a line of stderr starts with injected text"
[ "$(wc -l <out.txt)" -eq 1 ] || fail "stdout is not one line"
cat out.txt
cat err.txt >&2
exit $rc
