# -o is opened before the first call: a bad path is a usage error with nothing sent (port 1
# on loopback refuses; a call made would show as a transient failure of record 1)
$BIN -u http://127.0.0.1:1/r --retries 0 -o no-such-dir/resp.json "$DATA/ok-batch.json"
