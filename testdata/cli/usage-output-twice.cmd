$BIN -n -o "$TMP/a.json" --output="$TMP/b.json" "$DATA/event-lambda.json" </dev/null
