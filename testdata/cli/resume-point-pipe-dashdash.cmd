# A pipe that fails, then an input whose name looks like an option: the continuation names
# FILE (the pipe's bytes, saved) and then "--" before that input, and the skip command has
# the "--" too. Both commands, run as printed (FILE: the pipe's bytes, fixed), read -x.json.
cp "$DATA/event-lambda.json" ./-x.json
{ cat ./-x.json; echo oops; } | $BIN -n -q - -- -x.json 2>err.txt
rc=$?
cat err.txt >&2
cont=$(sed -n 's/.*continue with: //p' err.txt)
skip=$(sed -n 's/.*and read the inputs after it: //p' err.txt)
[ "${cont% FILE -- -x.json}" != "$cont" ] || fail "continuation: $cont"
cp ./-x.json fixed.json
eval "${cont% FILE -- -x.json} fixed.json -- -x.json" >cont.out 2>cont.err
[ $? -eq 1 ] || fail "continuation: $(cat cont.err)"
eval "$skip" >skip.out 2>skip.err
[ $? -eq 1 ] || fail "skip command: $(cat skip.err)"
# -x.json's record 3 fails (eventSequence "1e3"): each command read it, and nothing else
for f in cont.out skip.out; do
    [ "$(cat $f)" = '{"batchItemFailures":[{"itemIdentifier":"100000000000000000003"}]}' ] ||
        fail "$f: $(cat $f)"
done
exit $rc
