# The end of an element of "Messages" is a resume point, as a "Records" element's: read on
# from there, the elements after it are messages (here the second, MessageId 2222...), not
# records. (A redrive's resume point is before a message.)
# --endpoint-url to loopback: no call may leave the machine, credentials or not
$BIN -n --endpoint-url http://127.0.0.1:9 --resume-from 1143 "$DATA/../redrive/sqs-receive-message.json"
