# The check of --resume-from reads the file up to the offset; --max-time (or a signal) stops it
# like any other part of the run: exit 124, nothing sent. 300,000 records take far longer to
# read than the 1 ms allowed.
python3 -c "import sys; sys.stdout.write('{\"eventName\":\"X\"}\n' * 300000)" > "$TMP/many.ndjson"
$BIN -n --max-time 0.001 --resume-from 5399999 "$TMP/many.ndjson"
