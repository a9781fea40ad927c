# -H @FILE is the safe form: no warning
printf 'Authorization: Bearer s3cret-value-1\n' >headers.txt
$BIN -n -H @headers.txt "$DATA/ok-batch.json"
