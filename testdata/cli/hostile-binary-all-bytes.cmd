i=0; while [ $i -lt 256 ]; do printf "\\$(printf %03o $i)"; i=$((i + 1)); done >bytes.bin
$BIN -n bytes.bin
