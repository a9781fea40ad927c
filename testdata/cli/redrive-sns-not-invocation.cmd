# An SNS envelope whose Message is JSON but no invocation record.
cd "$DATA" && $BIN -n --no-progress redrive-sns-not-invocation.json
