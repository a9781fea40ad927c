# The end of an element of "Messages" is no resume point: read on from there, the messages
# after it would be taken for records. (A redrive's resume point is before a message.)
$BIN -n --resume-from 1143 "$DATA/../redrive/sqs-receive-message.json"
