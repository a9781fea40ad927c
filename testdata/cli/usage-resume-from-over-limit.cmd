# A record before the offset larger than --max-record-size: the file cannot be read up to the
# offset to check it, and the option is named (the first run's limit is the one to give).
{ printf '{"eventName":"INSERT","pad":"'; head -c 1100 /dev/zero | tr '\0' x; printf '"}\n{"eventName":"INSERT"}\n'; } > "$TMP/big.ndjson"
$BIN -n --max-record-size 1024 --resume-from 1154 "$TMP/big.ndjson"
