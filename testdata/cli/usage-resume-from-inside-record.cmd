# A '}' that closes a nested map (NewImage) is no record's end: the file is read up to the
# offset, which must be where a record ends; where it falls is said, with the resume point before.
$BIN -n --resume-from 227 "$DATA/records.ndjson"
