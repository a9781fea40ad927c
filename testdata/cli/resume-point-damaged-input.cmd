# A damaged input between two good ones: the second command that skips it says how much
# of it is then never read (here all of it: no record of it was read).
cp "$DATA/event-lambda.json" a.json
printf '{"Records":[' >bad.json
cp "$DATA/event-lambda.json" c.json
$BIN -n -q a.json bad.json c.json
