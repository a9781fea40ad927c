# Standard input redirected from a regular file is not "gone" when the run stops early
# (review 61): the line says to give that file in FILE's place.
pad=$(head -c 3000 /dev/zero | tr "\0" x)
{
  printf '{"eventName":"REMOVE"}\n'
  printf '{"eventName":"REMOVE","pad":"%s"}\n' "$pad"
} >in.ndjson
$BIN -n --max-record-size 1024 < in.ndjson
