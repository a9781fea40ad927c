# A record whose "dynamodb" has no SequenceNumber is a stream record gone wrong, and a value
# that is no object has no members to speak of: no word about the input for either. The first
# object with no "dynamodb" at all gets one; a later one does not.
printf '%s\n' '{"Records":[{"eventName":"INSERT","dynamodb":{}},null,{"eventName":"INSERT"},' \
    '{"eventName":"REMOVE"},{"eventName":"INSERT","x":1}]}' >ev.json
$BIN -n ev.json
