# golden: no-valgrind (valgrind itself occupies closed standard descriptors)
# the response cannot be written: say so, and do not claim success (exit 7, an output error)
$BIN -n "$DATA/ok-batch.json" >&-
