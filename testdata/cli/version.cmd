$BIN --version >v.txt
rc=$?
grep -Eq "^a2a-recover [0-9]+\.[0-9]+" v.txt || fail "--version: \"$(head -n 1 v.txt)\""
[ "$(wc -l <v.txt)" -eq 1 ] || fail "--version: not one line"
$BIN -V >v2.txt || fail "-V: exit $?"
cmp -s v.txt v2.txt || fail "-V and --version differ"
exit $rc
