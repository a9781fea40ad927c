printf '{"Items":[],"Count":0}' > items.json; $BIN -n items.json
