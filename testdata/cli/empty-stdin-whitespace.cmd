# Review 67: `echo "$out" | a2a-recover` with $out empty sends a newline: white space only is
# an empty input too, with the same warning; a document with no record is not.
printf '\n \n' | $BIN -n || exit
printf '{"Records":[]}\n' | $BIN -n 2>err2 || exit
if grep -q "standard input was empty" err2; then fail "a document with no record was called empty"; fi
