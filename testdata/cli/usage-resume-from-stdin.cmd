# Standard input cannot be resumed: what was read of it is gone.
$BIN -n --resume-from 100 - <"$DATA/event-lambda.json"
