n=$(head -c 10000 /dev/zero | tr "\0" 1)
printf "{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"970000000000000000002\",\"NewImage\":{\"tenant\":{\"S\":\"acme\"},\"taskId\":{\"S\":\"d-2\"},\"owner\":{\"S\":\"o\"},\"eventSequence\":{\"N\":\"2\"},\"recordedAtMicros\":{\"N\":\"-%s\"}}}}\n" "$n" | $BIN -n
