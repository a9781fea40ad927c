# a record holding invalid UTF-8 anywhere is malformed: listed, never dispatched
{
printf '{"Records":[\n'
printf '{"eventName":"INSERT","dynamodb":{"NewImage":{"tenant":{"S":"a\377b"},"taskId":{"S":"u-1"},"owner":{"S":"o"},"eventSequence":{"N":"1"},"recordedAtMicros":{"N":"1"}},"SequenceNumber":"920000000000000000001"}},\n'
printf '{"eventName":"INSERT","eventSourceARN":"\303\050","dynamodb":{"NewImage":{"tenant":{"S":"acme"},"taskId":{"S":"u-2"},"owner":{"S":"o"},"eventSequence":{"N":"2"},"recordedAtMicros":{"N":"2"}},"SequenceNumber":"920000000000000000002"}},\n'
printf '{"eventName":"INSERT","dynamodb":{"NewImage":{"tenant":{"S":"acme"},"taskId":{"S":"\300\257"},"owner":{"S":"o"},"eventSequence":{"N":"3"},"recordedAtMicros":{"N":"3"}},"SequenceNumber":"920000000000000000003"}},\n'
printf '{"eventName":"INSERT","dynamodb":{"NewImage":{"tenant":{"S":"acme"},"taskId":{"S":"u-4"},"owner":{"S":"\355\240\200"},"eventSequence":{"N":"4"},"recordedAtMicros":{"N":"4"}},"SequenceNumber":"920000000000000000004"}},\n'
printf '{"eventName":"INSERT","dynamodb":{"NewImage":{"tenant":{"S":"\303\251\360\237\230\200"},"taskId":{"S":"u-5"},"owner":{"S":"o"},"eventSequence":{"N":"5"},"recordedAtMicros":{"N":"5"}},"SequenceNumber":"920000000000000000005"}},\n'
printf '{"eventName":"INSERT","dynamodb":{"NewImage":{"tenant":{"S":"acme"},"taskId":{"S":"u-6\342\202"},"owner":{"S":"o"},"eventSequence":{"N":"6"},"recordedAtMicros":{"N":"6"}},"SequenceNumber":"920000000000000000006"}},\n'
printf '{"eventName":"INSERT","dynamodb":{"NewImage":{"tenant":{"S":"\364\220\200\200"},"taskId":{"S":"u-7"},"owner":{"S":"o"},"eventSequence":{"N":"7"},"recordedAtMicros":{"N":"7"}},"SequenceNumber":"920000000000000000007"}},\n'
printf '{"eventName":"MODIFY","dynamodb":{"NewImage":{"tenant":{"S":"\377"}},"SequenceNumber":"920000000000000000008"}},\n'
printf '{"eventName":"INSERT","dynamodb":{"NewImage":{"tenant":{"S":"acme"},"taskId":{"S":"u-9"},"owner":{"S":"o"},"eventSequence":{"N":"9"},"recordedAtMicros":{"N":"9"},"pk":{"S":"\200"}},"SequenceNumber":"920000000000000000009"}}\n'
printf ']}\n'
} >utf8.json
$BIN -n utf8.json
