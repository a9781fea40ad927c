{ printf "{\"Records\":[{\"eventName\":\"REMOVE\",\"x\":"; i=0; while [ $i -lt 1000 ]; do printf "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"; i=$((i + 1)); done; } >deep.json
$BIN -n deep.json
