# golden: no-valgrind (generates about 50 MB)
{ printf "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"960000000000000000004\"}}]}"; head -c 50000000 /dev/zero | tr "\0" " "; printf "[{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"960000000000000000005\"}}]\n"; } >big.json
max_rss_kb 200000 $BIN -n big.json
