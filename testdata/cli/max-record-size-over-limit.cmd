# the record object is 1025 bytes
pad=$(head -c 994 /dev/zero | tr "\0" x)
printf "{\"Records\":[{\"eventName\":\"REMOVE\",\"pad\":\"%s\"}]}" "$pad" | $BIN -n --max-record-size 1024
