# a --token-file that does not exist is often the token itself, typed in the wrong place:
# the argument is not repeated
$BIN -u http://127.0.0.1:1/r --token-file 'tok-3f9a0c-not-a-file' "$DATA/ok-batch.json"
