# golden: no-valgrind (valgrind itself occupies closed standard descriptors)
# standard input closed: reading it fails; the tool must not read its own --failed-out file instead
$BIN -n --failed-out failed.json <&-
