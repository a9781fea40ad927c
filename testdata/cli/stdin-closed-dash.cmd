# golden: no-valgrind (valgrind itself occupies closed standard descriptors)
$BIN -n - <&-
