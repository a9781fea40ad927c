# receive-message's "Messages" taken out of their object (aws ... --query Messages, jq
# .Messages) are SQS messages, not stream records: said once, with how to give them whole
# (review 65: the words were those for a2a-recover's own --report fed back).
python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["Messages"], sys.stdout)' \
    "$DATA/../redrive/sqs-receive-message.json" >msgs.json || fail "no fixture"
$BIN -n msgs.json
