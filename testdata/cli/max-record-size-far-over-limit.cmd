# a 200000-byte record against a 65536-byte limit
pad=$(head -c 199969 /dev/zero | tr "\0" x)
printf "{\"eventName\":\"REMOVE\",\"pad\":\"%s\"}\n" "$pad" >rec.json
[ "$(wc -c <rec.json)" -eq 200001 ] || fail "generator: $(wc -c <rec.json) bytes"
$BIN -n --max-record-size 65536 rec.json
