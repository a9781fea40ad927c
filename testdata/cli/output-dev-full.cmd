# a character device is written directly and never replaced; a write error (ENOSPC on the
# full device) is reported with the option and the reason, exit 7. As root, a private copy
# of /dev/full is made here, so that a tool that replaced it would do no harm.
dev=/dev/full
if mknod full c 1 7 2>/dev/null; then dev=full; fi
$BIN -n -o $dev "$DATA/ok-batch.json"
rc=$?
[ -c $dev ] || fail "$dev is no longer a character device: $(ls -l $dev)"
[ "$(ls -A | grep -c tmp)" -eq 0 ] || fail "left files: $(ls -A)"
exit $rc
