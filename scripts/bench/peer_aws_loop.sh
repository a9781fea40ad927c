#!/usr/bin/env bash
# peer_aws_loop.sh - the AWS CLI peer of `a2a-recover --stream`, for scripts/bench.sh
#
# usage: peer_aws_loop.sh AWS ENDPOINT_URL STREAM_ARN SHARD_ID A2A_RECOVER WORKDIR
#
# What an operator runs today to replay a shard: the manual's get-records loop
# (man/a2a-recover.1, EXAMPLES, "Read a stream shard page by page", which
# tests/docs/check-stream-loop.sh runs), with --endpoint-url added to every
# call and a dry run at the end of the pipe instead of the redispatch.  One
# get-shard-iterator (TRIM_HORIZON), then get-records until the shard ends (no
# NextShardIterator) or 10 empty pages in a row; every page goes into one
# `a2a-recover --dry-run -q` as it comes.  Credentials, region and HOME come
# from the environment (bench.sh sets them; nothing else of the machine's).
#
# Prints a2a-recover's response, and on stderr (last line) how many
# get-records calls were made (so that a call's cost can be told from the
# row's time: calls + 1 CLI runs in all).  Exit status: a2a-recover's (0 or 1 normally),
# or 2 when the reader (aws or jq) failed, whatever a2a-recover said: a
# pipeline's status alone would let a listed failure (1) hide it.

set -u
export LC_ALL=C

[ $# -eq 6 ] || { echo "usage: peer_aws_loop.sh AWS ENDPOINT_URL ARN SHARD A2A WORKDIR" >&2; exit 2; }
aws=$1 endpoint=$2 ARN=$3 SHARD=$4 a2a=$5
cd "$6" || exit 2
rm -f calls page.json

set -o pipefail
it=$("$aws" dynamodbstreams get-shard-iterator --output json --endpoint-url "$endpoint" \
    --stream-arn "$ARN" --shard-id "$SHARD" \
    --shard-iterator-type TRIM_HORIZON | jq -r '.ShardIterator // empty') || {
    echo "peer_aws_loop.sh: get-shard-iterator failed" >&2
    exit 2
}
[ -n "$it" ] || { echo "peer_aws_loop.sh: no shard iterator" >&2; exit 2; }
empty=0
calls=0
while [ -n "$it" ] && [ "$empty" -lt 10 ]; do
    calls=$((calls + 1))
    echo "$calls" >calls
    "$aws" dynamodbstreams get-records --output json --endpoint-url "$endpoint" \
        --shard-iterator "$it" >page.json || exit
    n=$(jq '.Records | length' page.json) || exit
    it=$(jq -r '.NextShardIterator // empty' page.json) || exit
    cat page.json
    if [ "$n" -gt 0 ]; then empty=0; else empty=$((empty + 1)); sleep 1; fi
done | "$a2a" --dry-run -q
status=("${PIPESTATUS[@]}")
# The loop ran in a subshell of the pipe: its count comes back through a file.
echo "peer_aws_loop.sh: get-records calls: $(cat calls 2>/dev/null || echo 0)" >&2
if [ "${status[0]}" != 0 ]; then
    echo "peer_aws_loop.sh: reader failed (status ${status[0]})" >&2
    exit 2
fi
exit "${status[1]}"
