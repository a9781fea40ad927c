# U+0000 in eventName / SequenceNumber: compared and echoed by length, as the handler's Rust
# Strings are. "MODIFY\u0000" and "INSERT\u0000" are not INSERT (skipped); SequenceNumbers
# "1\u00002" and "\u0000" of failing INSERTs are listed exactly; "95\u00004" is dispatched.
$BIN -n "$DATA/nul-envelope.json" 2>log.txt
rc=$?
[ "$(tr -cd '\000' <log.txt | wc -c)" -eq 0 ] || fail "stderr holds a raw NUL byte"
[ "$(wc -l <log.txt)" -eq 3 ] || fail "stderr is not exactly three lines"
cat log.txt >&2
exit $rc
