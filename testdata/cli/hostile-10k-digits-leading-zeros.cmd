# Rust u64::from_str / i64::from_str accept any number of leading zeros: 0...07 is 7
z=$(head -c 9999 /dev/zero | tr "\0" 0)
printf "{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"970000000000000000003\",\"NewImage\":{\"tenant\":{\"S\":\"acme\"},\"taskId\":{\"S\":\"d-3\"},\"owner\":{\"S\":\"o\"},\"eventSequence\":{\"N\":\"+%s7\"},\"recordedAtMicros\":{\"N\":\"-%s1\"}}}}\n" "$z" "$z" | $BIN -n
