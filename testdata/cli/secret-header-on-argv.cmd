# a credential header typed on the command line is visible in ps and the shell history: warned
# about by name, the value never repeated; the run goes on
$BIN -n -H 'Authorization: Bearer s3cret-value-1' -H 'X-Api-Key: s3cret-value-2' "$DATA/ok-batch.json"
