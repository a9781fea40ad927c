# 64 KiB from a fixed linear congruential generator: the same bytes on every machine
awk "BEGIN { x = 1; for (i = 0; i < 65536; i++) { x = (x * 75 + 74) % 65537; printf \"%c\", 1 + x % 255 } }" >garbage.bin
[ "$(wc -c <garbage.bin)" -eq 65536 ] || fail "generator wrote $(wc -c <garbage.bin) bytes"
$BIN -n garbage.bin
