# Without -q the summary line is the last and begins INCOMPLETE: after an input error.
{ cat "$DATA/event-lambda.json"; echo oops; cat "$DATA/event-lambda.json"; } >cap.json
$BIN -n cap.json
