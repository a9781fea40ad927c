# A number with letters after it is invalid JSON; a bare number is valid JSON but no stream event
printf '123abc\n' | $BIN -n
printf '123\n' | $BIN -n
