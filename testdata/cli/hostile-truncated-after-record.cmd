printf '{"Records":[{"eventName":"INSERT","dynamodb":{"SequenceNumber":"940000000000000000001"}},' | $BIN -n
