# -q hides the summary line, but not one that begins with INCOMPLETE: the check --help and
# the manual offer for input left unread.
{ cat "$DATA/event-lambda.json"; echo garbage; } >b.json
$BIN -n -q b.json
