# {"Messages": []} is an empty batch: nothing to do.
printf "{\"Messages\": []}\n" | $BIN -n --no-progress -
