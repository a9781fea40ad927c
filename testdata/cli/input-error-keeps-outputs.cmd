# An input error after a record was read: that record is in the response (-o), in
# --failed-out and in the summary; nothing read is lost. No call is sent (the only record
# read fails to parse), so the unreachable URL is never tried.
{
    printf '%s\n' '{"eventName":"INSERT","dynamodb":{"SequenceNumber":"120000000000000000001","NewImage":{"tenant":{"S":"t"},"taskId":{"S":"a"},"eventSequence":{"N":"1e3"}}}}'
    echo garbage
    head -n 2 "$DATA/records.ndjson"
} >garbage2.ndjson
$BIN -u http://127.0.0.1:1/x -o o.json --failed-out f.json --summary-json s.json \
    --report r.ndjson garbage2.ndjson
rc=$?
python3 -c "
import json, sys
o = json.load(open('o.json'))
f = json.load(open('f.json'))
s = json.load(open('s.json'))
if o != {'batchItemFailures': [{'itemIdentifier': '120000000000000000001'}]}:
    sys.exit('o.json %r' % (o,))
if [r['dynamodb']['SequenceNumber'] for r in f['Records']] != ['120000000000000000001']:
    sys.exit('f.json %r' % (f,))
if s['failed'] != 1 or s['records'] != 1 or s['complete'] or s['dispatched'] != 0:
    sys.exit('s.json %r' % (s,))
" || fail "outputs after an input error"
exit $rc
