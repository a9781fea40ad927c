# golden: no-valgrind (generates about 50 MB)
{ printf "{\"eventName\":\"REMOVE\",\"x\":\""; head -c 50000000 /dev/zero | tr "\0" a; printf "\"}\n"; } | max_rss_kb 200000 $BIN -n
