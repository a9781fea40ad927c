# a symbolic link stays a link: the file it leads to is replaced (a temporary file beside the
# target, renamed onto it), also through a relative link into another directory
mkdir dir
echo old >dir/target.json
chmod 640 dir/target.json
ln -s dir/target.json link.json
$BIN -n -o link.json "$DATA/ok-batch.json"
rc=$?
[ -L link.json ] || fail "link.json is no longer a symbolic link"
[ "$(readlink link.json)" = dir/target.json ] || fail "link.json now leads to $(readlink link.json)"
printf '%s\n' '{"batchItemFailures":[]}' | cmp -s - dir/target.json || fail "dir/target.json holds \"$(head -c 80 dir/target.json)\""
[ "$(stat -c %a dir/target.json)" = 640 ] || fail "dir/target.json mode $(stat -c %a dir/target.json), expected 640"
[ "$(ls -A . dir | grep -c tmp)" -eq 0 ] || fail "left files: $(ls -A . dir)"
exit $rc
