# An empty regular file given with < is a capture gone wrong, as a named one is (review 64):
# only a pipe (an empty queue's receive-message output) may be empty.
: > e.json
$BIN -n < e.json
