# `aws sqs receive-message` prints nothing at all for an empty queue (its JSON formatter
# leaves an empty answer out): no records, no error, so that a loop that receives until the
# queue is empty ends with exit 0 (review 61: it was an input error).
printf "" | $BIN -n --no-progress -
