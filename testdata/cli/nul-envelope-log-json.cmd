# --log-format json: the SequenceNumber holding U+0000 is a JSON string with \u0000.
$BIN -n --log-format json "$DATA/nul-envelope.json" 2>log.json
rc=$?
if command -v python3 >/dev/null 2>&1; then
	python3 -c "
import json, sys
seqs = []
for n, line in enumerate(open(sys.argv[1], encoding=\"utf-8\"), 1):
    try:
        o = json.loads(line)
    except ValueError as e:
        sys.exit(\"line %d is not JSON: %s\" % (n, e))
    if \"record\" in o:
        seqs.append(o[\"sequence_number\"])
if seqs != [\"1\x002\", \"\x00\"]:
    sys.exit(\"sequence_number values %r\" % (seqs,))
" log.json || fail "--log-format json: sequence numbers not carried exactly"
fi
cat log.json >&2
exit $rc
