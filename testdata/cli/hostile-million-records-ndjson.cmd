# golden: no-valgrind (one million records)
yes "{\"eventName\":\"REMOVE\"}" | head -n 1000000 >tiny.ndjson
max_seconds 5 max_rss_kb 100000 $BIN -n <tiny.ndjson
