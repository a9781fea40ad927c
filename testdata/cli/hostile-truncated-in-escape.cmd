printf '{"Records":[{"eventName":"INS\\u00' | $BIN -n
