# -o naming standard output (/dev/fd/1, or a link to /dev/stdout) writes to the descriptor
# itself: no temporary file, no rename, and an appending redirection keeps what was there
printf 'before\n' >app.txt
$BIN -n -o /dev/fd/1 "$DATA/ok-batch.json" >>app.txt || fail "-o /dev/fd/1 failed"
ln -s /dev/stdout out
$BIN -n -o out "$DATA/ok-batch.json" >>app.txt || fail "-o out (-> /dev/stdout) failed"
[ -L out ] || fail "out is no longer a symbolic link"
printf 'before\n{"batchItemFailures":[]}\n{"batchItemFailures":[]}\n' | cmp -s - app.txt || fail "app.txt holds \"$(head -c 120 app.txt)\""
$BIN -n -o out "$DATA/ok-batch.json"
