# A payload record outside its own range: the whole message is refused (exit 1), nothing
# of it replayed.
cd "$DATA/../redrive" && $BIN -n --no-progress s3-object-outside.json
