head -c 1000 "$DATA/damage.json" > part.json; $BIN -n "$DATA/ok-batch.json" part.json
