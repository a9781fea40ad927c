# Resumed right after a record of a Records array, in a file that ends there: the file was cut
# short (no ']}'), and the run says so (exit 3), as reading it from the start would; it does
# not take the end of the file for the end of the event and call the run complete.
printf '{"Records":[{"eventName":"INSERT","dynamodb":{"SequenceNumber":"1"}}' > "$TMP/cut.json"
$BIN -n --resume-from 68 "$TMP/cut.json"
