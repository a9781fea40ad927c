# the same file under another name (hard link, symbolic link) is the same file: device and inode
cp "$DATA/ok-batch.json" cap.json
ln cap.json hard.json
ln -s cap.json soft.json
$BIN -n -o hard.json cap.json
rc1=$?
$BIN -n --failed-out soft.json "$PWD/cap.json"
rc2=$?
cmp -s cap.json "$DATA/ok-batch.json" || fail "cap.json changed"
[ -L soft.json ] || fail "soft.json is no longer a link"
[ "$rc1" -eq 2 ] || fail "-o hard.json: exit $rc1, expected 2"
exit $rc2
