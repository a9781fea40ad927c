# a link to a file not there yet: the file is created where the link leads
mkdir dir
ln -s dir/failed.json link.json
$BIN -n --failed-out link.json "$DATA/damage.json" >/dev/null
rc=$?
[ -L link.json ] || fail "link.json is no longer a symbolic link"
[ -f dir/failed.json ] || fail "dir/failed.json not created"
head -c 12 dir/failed.json | grep -q '^{"Records":\[' || fail "dir/failed.json holds \"$(head -c 80 dir/failed.json)\""
exit $rc
