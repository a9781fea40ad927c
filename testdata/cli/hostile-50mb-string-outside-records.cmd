# golden: no-valgrind (generates about 50 MB)
{ printf "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"960000000000000000003\"}}],\"padding\":\""; head -c 50000000 /dev/zero | tr "\0" a; printf "\"}\n"; } >big.json
max_rss_kb 200000 $BIN -n big.json
