# a token over plain http:// to a host that is not loopback: warned. Nothing is sent: the
# --report path is refused (exit 2) before the first call, as it always was.
A2A_RECOVER_TOKEN=tok-s3cret $BIN -u http://192.0.2.1/r --report no-such-dir/r.ndjson "$DATA/ok-batch.json"
