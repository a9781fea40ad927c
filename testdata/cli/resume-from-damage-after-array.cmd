# Resumed inside a top-level array whose close is followed by a stray '}': a read from the
# start fails there, and so does the resumed run (exit 3): the check told it whose array it
# reads on in, so the bytes after the close are not taken to say it.
printf '[{"eventName":"INSERT"},{"eventName":"INSERT"}]}' > "$TMP/ta.json"
$BIN -n --resume-from 23 "$TMP/ta.json"
