# The end of an element of "Messages" is a resume point, as a "Records" element's: read on
# from there, the elements after it are messages (here the second, MessageId 2222...), not
# records. (A redrive's resume point is before a message.)
$BIN -n --resume-from 1143 "$DATA/../redrive/sqs-receive-message.json"
