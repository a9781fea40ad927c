# A record whose "dynamodb" has no SequenceNumber is a stream record gone wrong: no word
# about the input. The first record with no "dynamodb" at all gets one; a later one does not.
printf '%s\n' '{"Records":[{"eventName":"INSERT","dynamodb":{}},{"eventName":"INSERT"},' \
    '{"eventName":"REMOVE"},{"eventName":"INSERT","x":1}]}' >ev.json
$BIN -n ev.json
