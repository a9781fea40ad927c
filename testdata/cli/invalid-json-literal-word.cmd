# Text that starts as a JSON literal would ('t') is invalid JSON, not a document of the wrong shape
printf 'this is not json\n' | $BIN -n
