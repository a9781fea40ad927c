# 512 levels in all (the event object, then 511 arrays) is the limit, still accepted
{ printf "{\"Records\":[],\"x\":"; head -c 511 /dev/zero | tr "\0" "["; head -c 511 /dev/zero | tr "\0" "]"; printf "}"; } | $BIN -n
