printf '{"Records":[{"eventName":"RE\000MOVE"}]}' | $BIN -n
