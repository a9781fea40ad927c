# golden: no-valgrind (100,000 failing records)
awk "BEGIN { for (i = 1; i <= 100000; i++) printf \"{\\\"eventName\\\":\\\"INSERT\\\",\\\"dynamodb\\\":{\\\"SequenceNumber\\\":\\\"98%019d\\\"}}\\n\", i }" >fail.ndjson
awk "BEGIN { printf \"{\\\"batchItemFailures\\\":[\"; for (i = 1; i <= 100000; i++) printf \"%s{\\\"itemIdentifier\\\":\\\"98%019d\\\"}\", (i > 1 ? \",\" : \"\"), i; print \"]}\" }" >expected.json
max_seconds 10 $BIN -n fail.ndjson >out.json 2>err.txt
rc=$?
cmp -s expected.json out.json || fail "the response is not the 100,000 records in input order"
# One reason: five lines name their records, then counts say how many more (one line a
# second at most, so a slow run prints more than one), the last with the total.
[ "$(grep -c "record [0-9]*.*missing required attribute tenant" err.txt)" -eq 5 ] || fail "not five messages then a count"
grep -q "\.\.\. and [0-9]* more: .*missing required attribute tenant (100000 in all)" err.txt || fail "no final count"
tail -n 1 err.txt >&2
exit $rc
