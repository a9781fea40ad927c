# a credential header typed on the command line is visible in ps and the shell history: warned
# about by name, each of them, the value never repeated; the run goes on
$BIN -n -H 'Authorization: Bearer s3cret-value-1' -H 'X-Api-Key: s3cret-value-2' \
    -H 'Cookie: s3cret-value-3' -H 'X-Tenant: acme' "$DATA/ok-batch.json"
