# the record object is exactly 1024 bytes
pad=$(head -c 993 /dev/zero | tr "\0" x)
printf "{\"Records\":[{\"eventName\":\"REMOVE\",\"pad\":\"%s\"}]}" "$pad" | $BIN -n --max-record-size 1024
