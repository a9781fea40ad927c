# A dry run stopped by an input error still prints the response for the records read.
{ cat "$DATA/event-lambda.json"; echo garbage; } >b.json
$BIN -n b.json
