# After fixing the cause, --resume-from OFFSET continues after the last record read: exactly
# the records after it, at their offsets in the file; positions count from the resume point.
{ cat "$DATA/event-lambda.json"; echo oops; cat "$DATA/event-lambda.json"; } >cap.json
off=$($BIN -n --report rep.ndjson cap.json >/dev/null 2>&1; python3 -c "
import json; print(json.loads(open('rep.ndjson').readlines()[-1])['resumePoint']['offset'])")
sed -i 's/^oops$//' cap.json
$BIN -n --report rep2.ndjson --resume-from "$off" cap.json
rc=$?
python3 -c "
import json, sys
rep = [json.loads(l) for l in open('rep2.ndjson')]
got = [(r['position'], r['sequenceNumber'], r['outcome']) for r in rep]
want = [(1, '100000000000000000001', 'would_dispatch'), (2, '100000000000000000002', 'skipped'),
        (3, '100000000000000000003', 'parse_error'), (4, '100000000000000000004', 'skipped')]
data = open('cap.json', 'rb').read()
first, _ = json.JSONDecoder().raw_decode(data[rep[0]['offset']:].decode())
if got != want or rep[0]['offset'] <= $off or first['dynamodb']['SequenceNumber'] != want[0][1]:
    sys.exit('resumed %r' % (got,))
" || fail "resumed run"
exit $rc
