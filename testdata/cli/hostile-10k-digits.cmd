n=$(head -c 10000 /dev/zero | tr "\0" 9)
printf "{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"970000000000000000001\",\"NewImage\":{\"tenant\":{\"S\":\"acme\"},\"taskId\":{\"S\":\"d-1\"},\"owner\":{\"S\":\"o\"},\"eventSequence\":{\"N\":\"%s\"},\"recordedAtMicros\":{\"N\":\"1\"}}}}\n" "$n" >digits.json
$BIN -n digits.json
