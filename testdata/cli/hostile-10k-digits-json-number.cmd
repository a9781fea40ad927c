# huge JSON numbers in fields the classification ignores are no reason to reject
n=$(head -c 10000 /dev/zero | tr "\0" 9)
printf "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"ApproximateCreationDateTime\":%s.%se999999999,\"SizeBytes\":-%s,\"SequenceNumber\":\"970000000000000000004\",\"NewImage\":{\"tenant\":{\"S\":\"acme\"},\"taskId\":{\"S\":\"d-4\"},\"owner\":{\"S\":\"o\"},\"eventSequence\":{\"N\":\"4\"},\"recordedAtMicros\":{\"N\":\"4\"},\"ttl\":{\"N\":\"%s\"}}}}],\"count\":%s}\n" "$n" "$n" "$n" "$n" "$n" | $BIN -n
