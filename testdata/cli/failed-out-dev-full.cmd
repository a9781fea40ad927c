# --failed-out on a character device: written directly, never replaced (as root the old code
# replaced /dev/full itself: a private copy is used here); the write error is reported
dev=/dev/full
if mknod full c 1 7 2>/dev/null; then dev=full; fi
$BIN -n --failed-out $dev "$DATA/ok-batch.json"
rc=$?
[ -c $dev ] || fail "$dev is no longer a character device: $(ls -l $dev)"
exit $rc
