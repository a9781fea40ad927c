# An empty input between two good ones stops reading there (an input error). The resume
# point names the empty input and no record of it (record 4 was a.json's, not empty.json's),
# and a second command skips it and reads the input after it: the first, which names
# empty.json again, fails the same way until the file is fixed.
cp "$DATA/event-lambda.json" a.json
: >empty.json
cp "$DATA/event-lambda.json" c.json
$BIN -n -q --report rp.ndjson --summary-json sum.json a.json empty.json c.json
rc=$?
python3 -c "
import json, sys
rp = json.loads(open('rp.ndjson', encoding='utf-8').read().splitlines()[-1])['resumePoint']
want = {'input': 'empty.json', 'offset': 0, 'lastPosition': 0, 'lastSequenceNumber': None,
        'resumeFrom': '0'}
got = {k: rp[k] for k in want}
if got != want or not rp['command'].endswith(' --resume-from 0 empty.json c.json'):
    sys.exit('resume point %r' % (rp,))
if not rp['skipCommand'].endswith(' -n -q --report rp.resume-skip.ndjson --summary-json sum.resume-skip.json c.json'):
    sys.exit('skipCommand %r' % (rp,))
if json.load(open('sum.json', encoding='utf-8'))['resumePoint'] != rp:
    sys.exit('summary differs')
" || fail "resume point"
exit $rc
