$BIN --help >help.txt
rc=$?
grep -q "^usage: a2a-recover " help.txt || fail "--help: no usage line on stdout"
grep -q -e "--dry-run" help.txt || fail "--help: --dry-run not described"
$BIN -h >h.txt || fail "-h: exit $?"
cmp -s help.txt h.txt || fail "-h and --help differ"
exit $rc
