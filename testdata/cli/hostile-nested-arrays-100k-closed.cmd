{ head -c 100000 /dev/zero | tr "\0" "["; head -c 100000 /dev/zero | tr "\0" "]"; } >deep.json
$BIN -n deep.json
