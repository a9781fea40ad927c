# `aws sqs receive-message` prints nothing at all for an empty queue (its JSON formatter
# leaves an empty answer out): no input is an input error, as for any empty input.
printf "" | $BIN -n --no-progress -
