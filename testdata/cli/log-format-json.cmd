$BIN -n --log-format json "$DATA/precedence.ndjson" 2>log.json
rc=$?
if command -v python3 >/dev/null 2>&1; then
	python3 -c "
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding=\"utf-8\"), 1):
    try:
        o = json.loads(line)
    except ValueError as e:
        sys.exit(\"line %d is not JSON: %s\" % (n, e))
    if not isinstance(o, dict) or not isinstance(o.get(\"message\"), str):
        sys.exit(\"line %d is not an object with a message\" % n)
" log.json || fail "--log-format json: stderr is not one JSON object a line"
else
	! grep -qv "^{.*}\$" log.json || fail "--log-format json: a stderr line is not an object"
fi
cat log.json >&2
exit $rc
