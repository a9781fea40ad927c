printf '{"eventName":"REMOVE\\' > t.json; $BIN -n t.json
