# golden: no-valgrind (one million records)
{ printf "{\"Records\":["; yes "{\"eventName\":\"REMOVE\"}," | head -n 999999; printf "{\"eventName\":\"REMOVE\"}]}\n"; } >event.json
max_seconds 5 max_rss_kb 100000 $BIN -n event.json
