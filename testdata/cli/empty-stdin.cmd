# Empty standard input holds no records: nothing to do, no error (review 61: it was an input
# error, exit 3, with a resume point at byte 0). A named empty file stays one (empty-file).
$BIN -n < /dev/null
