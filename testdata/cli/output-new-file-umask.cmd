# a new file gets 0666 less the umask, as a shell redirection would give it
(umask 022 && $BIN -n -o a.json --failed-out b.json "$DATA/ok-batch.json") || fail "umask 022 run failed"
(umask 027 && $BIN -n -o c.json --failed-out d.json "$DATA/ok-batch.json") || fail "umask 027 run failed"
for f in a.json:644 b.json:644 c.json:640 d.json:640; do
	[ "$(stat -c %a "${f%:*}")" = "${f#*:}" ] || fail "${f%:*} mode $(stat -c %a "${f%:*}"), expected ${f#*:}"
done
