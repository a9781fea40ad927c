# --summary-json: the summary's counts as one JSON object, failures by kind.
$BIN -n --summary-json sum.json "$DATA/damage.json" >/dev/null
rc=$?
python3 -c "
import json, sys
s = json.load(open('sum.json'))
want = {'complete': True, 'exitStatus': 1, 'dryRun': True, 'records': 42, 'skipped': 6,
        'acknowledged': 0, 'taskDeleted': 0, 'wouldDispatch': 8, 'failed': 28, 'unreportable': 0,
        'failures': {'transient': 0, 'unparseable': 28, 'refused': 0, 'interrupted': 0,
                     'abandoned': 0, 'notAttempted': 0},
        'dispatched': 0, 'retries': 0, 'rangesRead': 0, 'rangesUnreadable': 0, 'messages': 0,
        'messagesAcked': 0, 'messageErrors': 0, 'messagesNotFinished': 0,
        'messagesRecordsFailed': 0, 'duplicates': 0,
        'warnings': 0,
        'resumePoint': None, 'readAgain': [], 'outputsNotWritten': []}
got = {k: s[k] for k in want}
if got != want or not isinstance(s['elapsedMs'], int) or len(s) != len(want) + 1:
    sys.exit('summary %r' % (s,))
" || fail "summary json"
exit $rc
