# plain http:// on loopback (127.0.0.0/8, ::1, localhost) or https:// anywhere: no warning
# (nothing is sent: the --report path is refused before the first call)
for url in http://127.0.0.1:1/r http://127.9.9.9:1/r 'http://[::1]:1/r' http://LOCALHOST:1/r https://192.0.2.1/r; do
	A2A_RECOVER_TOKEN=tok-s3cret $BIN -u "$url" --report no-such-dir/r.ndjson "$DATA/ok-batch.json"
	[ $? -eq 2 ] || fail "$url: not exit 2"
done
