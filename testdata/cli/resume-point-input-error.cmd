# An input error after records were read: stderr and the last --report line name the resume
# point (the byte after record 4), the summary begins INCOMPLETE:, --summary-json says so.
# The command names new output files (NAME.resume.EXT): running it keeps this run's.
{ cat "$DATA/event-lambda.json"; echo oops; cat "$DATA/event-lambda.json"; } >cap.json
$BIN -n -q --report rep.ndjson --summary-json sum.json cap.json
rc=$?
python3 -c "
import json, sys
rep = [json.loads(l) for l in open('rep.ndjson', encoding='utf-8')]
last = rep[-1]
if list(last) != ['resumePoint']:
    sys.exit('last report line is not the resume point: %r' % (last,))
rp = last['resumePoint']
data = open('cap.json', 'rb').read()
end = len(data[:data.rindex(b']', 0, data.index(b'oops'))].rstrip())
want = {'input': 'cap.json', 'offset': end, 'lastPosition': 4,
        'lastSequenceNumber': '100000000000000000004', 'resumable': True,
        'resumeFrom': str(end)}
got = {k: rp[k] for k in want}
if got != want or not rp['command'].endswith(' -n -q --report rep.resume.ndjson --summary-json sum.resume.json --resume-from %d cap.json' % want['offset']):
    sys.exit('resume point %r' % (rp,))
if data[want['offset'] - 1:want['offset']] != b'}':
    sys.exit('offset is not after a record')
s = json.load(open('sum.json', encoding='utf-8'))
if s['complete'] is not False or s['exitStatus'] != 3 or s['resumePoint'] != rp:
    sys.exit('summary %r' % (s,))
" || fail "resume point"
exit $rc
