# An offset that no resume point names (no record ends just before it) is refused up front.
$BIN -n --resume-from 100 "$DATA/event-lambda.json"
