# A file name that is not UTF-8 keeps --report and --log-format json valid JSON: the bad
# byte becomes U+FFFD.
name=$(printf 'cap\377.json')
cp "$DATA/event-lambda.json" "$name"
$BIN -n --log-format json --report rep.ndjson "$name" 2>err.json
rc=$?
python3 -c "
import json, sys
for path in ('rep.ndjson', 'err.json'):
    for line in open(path, 'rb'):
        o = json.loads(line.decode('utf-8'))
        if 'file' in o and o['file'] != 'cap\ufffd.json':
            sys.exit('%s: file %r' % (path, o['file']))
" || fail "not valid JSON with U+FFFD"
exit $rc
