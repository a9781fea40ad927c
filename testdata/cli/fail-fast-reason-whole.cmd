# Records not attempted after the circuit breaker stopped the run carry its whole reason in
# the report, then "(fail-fast)": never cut mid-word. Port 1 of loopback refuses at once.
python3 -c "
import json
for i in range(1, 30):
    print(json.dumps({'eventName': 'INSERT', 'dynamodb': {'SequenceNumber': str(1000 + i),
        'NewImage': {'tenant': {'S': 't'}, 'taskId': {'S': 'k%d' % i}, 'owner': {'S': 'o'},
                     'eventSequence': {'N': '1'}, 'recordedAtMicros': {'N': '1'}}}}))
" >many.ndjson
$BIN -u http://127.0.0.1:1/x --retries 0 --report r.ndjson many.ndjson >/dev/null
rc=$?
python3 -c "
import json, sys
rep = [json.loads(l) for l in open('r.ndjson')]
cut = [r['reason'] for r in rep if r.get('outcome') == 'not_attempted'
       and not r['reason'].endswith('gave up after 1 attempt (fail-fast)')]
if cut or not any(r.get('outcome') == 'not_attempted' for r in rep):
    sys.exit('reasons %r' % (cut[:1] or rep[-1:],))
" || fail "fail-fast reason"
exit $rc
