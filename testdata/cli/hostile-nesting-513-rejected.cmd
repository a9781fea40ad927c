{ printf "{\"Records\":[],\"x\":"; head -c 512 /dev/zero | tr "\0" "["; head -c 512 /dev/zero | tr "\0" "]"; printf "}"; } | $BIN -n
