#!/usr/bin/env bash
#
# check-stream-loop.sh SOURCE_DIR
#
# Runs the manual's `get-records` example (EXAMPLES, "Read a stream shard page by page"),
# exactly as printed, against a fake `aws` that serves shard pages from files, with a fake
# `a2a-recover` that keeps what it was fed and a `sleep` that does not wait. Checks that
# the loop:
#   - reads past an empty page in the middle of a shard, up to the end of a closed shard;
#   - stops after a bounded number of empty pages on an open shard (no end);
#   - asks for JSON whatever the profile's output format (the fake prints text otherwise);
#   - makes a failing get-records, or get-shard-iterator, visible: nonzero pipeline status,
#     reader status printed.
# Nothing is sent anywhere: the fakes are shell scripts. Needs bash and jq.
# Ends with "N passed, M failed"; exits 1 when anything failed.

set -u
export LC_ALL=C

[[ $# -eq 1 ]] || { echo "usage: check-stream-loop.sh SOURCE_DIR" >&2; exit 2; }
man=$1/man/a2a-recover.1
[[ -r $man ]] || { echo "check-stream-loop.sh: $man: cannot read" >&2; exit 2; }
command -v jq >/dev/null || { echo "check-stream-loop.sh: jq not found" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-stream-loop.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=tests/lib/checks.sh
. "$(dirname "$0")/../lib/checks.sh"

# The example as an operator would paste it: the literal block after the sentence,
# prompts taken off, mdoc's \e back to a backslash.
awk '/^Read a stream shard page by page/ { found = 1 }
     found && /^\.Bd -literal/ { on = 1; next }
     on && /^\.Ed/ { exit }
     on' "$man" | sed -e 's/^\$ //' -e 's/\\e/\\/g' >"$tmp/loop.sh"
if [[ -s $tmp/loop.sh ]] && grep -q 'get-records' "$tmp/loop.sh"; then
    ok "the manual's get-records example was found"
else
    not_ok "the manual's get-records example was found"
    checks_done
    exit 1
fi

mkdir -p "$tmp/bin"
# Fake aws: pages are $SHARD_DIR/N.json; iterator "it-N" serves page N, and the page's
# NextShardIterator (if any) is "it-N+1". A page numbered $FAIL_AT fails like the CLI
# does (exit 254). Without --output json it prints the profile's format
# ($AWS_DEFAULT_OUTPUT, text here), which is not JSON; --query takes a top-level key.
cat >"$tmp/bin/aws" <<'EOF'
#!/usr/bin/env bash
set -u
format=${AWS_DEFAULT_OUTPUT:-json} it='' query='' prev=''
for a in "$@"; do
    [[ $prev == --output ]] && format=$a
    [[ $prev == --shard-iterator ]] && it=$a
    [[ $prev == --query ]] && query=$a
    prev=$a
done
echo "$*" >>"$SHARD_DIR/calls"
text() { jq -r 'paths(scalars) as $p | [($p | map(tostring) | join(".")), getpath($p)] | @tsv'; }
case "$1 $2" in
"dynamodbstreams get-shard-iterator")
    if [[ ${FAIL_AT:-} == iterator ]]; then
        echo "An error occurred (ResourceNotFoundException) when calling GetShardIterator" >&2
        exit 254
    fi
    out='{"ShardIterator":"it-1"}'
    ;;
"dynamodbstreams get-records")
    n=${it#it-}
    if [[ $n == "${FAIL_AT:-}" ]]; then
        echo "An error occurred (ExpiredIteratorException) when calling GetRecords" >&2
        exit 254
    fi
    if [[ -f $SHARD_DIR/$n.json ]]; then
        out=$(cat "$SHARD_DIR/$n.json")
    else
        out=$(cat "$SHARD_DIR/tip.json") # an open shard: empty pages from here on
    fi
    if jq -e 'has("NextShardIterator")' <<<"$out" >/dev/null; then
        out=$(jq -c --arg next "it-$((n + 1))" '.NextShardIterator = $next' <<<"$out")
    fi
    ;;
*) echo "fake aws: unexpected call: $*" >&2; exit 2 ;;
esac
# --query KEY (a top-level key only) as the CLI does it.
[[ -z $query ]] || out=$(jq -c --arg k "$query" '.[$k]' <<<"$out")
if [[ $format == json ]]; then
    printf '%s\n' "$out"
elif jq -e 'type == "string"' <<<"$out" >/dev/null; then
    jq -r . <<<"$out"
else
    text <<<"$out"
fi
EOF
# Fake a2a-recover: keeps its input and arguments, answers like a dry run with nothing listed.
cat >"$tmp/bin/a2a-recover" <<'EOF'
#!/usr/bin/env bash
cat >"$SHARD_DIR/received"
printf '%s\n' "$*" >"$SHARD_DIR/args"
echo '{"batchItemFailures":[]}'
EOF
cat >"$tmp/bin/sleep" <<'EOF'
#!/bin/sh
echo "$*" >>"$SHARD_DIR/sleeps"
EOF
chmod +x "$tmp/bin/aws" "$tmp/bin/a2a-recover" "$tmp/bin/sleep"

record()
{
    printf '{"eventName":"INSERT","dynamodb":{"SequenceNumber":"%s"}}' "$1"
}
page()
{
    # page FILE NEXT(0/1) SEQ...: a get-records answer holding those records.
    local file=$1 next=$2 recs='' sep=''
    shift 2
    for s in "$@"; do
        recs+="$sep$(record "$s")"
        sep=,
    done
    if ((next)); then
        printf '{"Records":[%s],"NextShardIterator":"x"}\n' "$recs" >"$file"
    else
        printf '{"Records":[%s]}\n' "$recs" >"$file"
    fi
}

# run_loop NAME: runs the example in a fresh bash in $tmp/NAME; sets rc and out.
run_loop()
{
    local dir=$tmp/$1
    out=$(cd "$dir" && env -i PATH="$tmp/bin:$PATH" HOME="$dir" SHARD_DIR="$dir" \
        AWS_DEFAULT_OUTPUT="${PROFILE_OUTPUT:-json}" FAIL_AT="${FAIL_AT:-}" ARN=arn:fake SHARD=shard-1 \
        A2A_URL=http://127.0.0.1:9/x timeout 60 bash "$tmp/loop.sh" 2>&1)
    rc=$?
}
received()
{
    jq -r '.Records[].dynamodb.SequenceNumber' "$tmp/$1/received" 2>/dev/null | tr '\n' ' '
}

# A closed shard with an empty page in the middle: every record is replayed.
mkdir "$tmp/closed"
page "$tmp/closed/1.json" 1 11 12
page "$tmp/closed/2.json" 1
page "$tmp/closed/3.json" 1 13
page "$tmp/closed/4.json" 0 14
page "$tmp/closed/tip.json" 1
run_loop closed
got=$(received closed)
if [[ $rc -eq 0 && $got == "11 12 13 14 " ]]; then
    ok "closed shard with an empty page in the middle: all 4 records replayed, status 0"
else
    not_ok "closed shard with an empty page in the middle: all 4 records replayed" \
        "exit $rc, records replayed: '$got'"$'\n'"$out"
fi
if grep -q '^reader: 0, a2a-recover: 0$' <<<"$out"; then
    ok "the statuses line reads 'reader: 0, a2a-recover: 0'"
else
    not_ok "the statuses line reads 'reader: 0, a2a-recover: 0'" "$out"
fi

# The same shard with a profile whose output format is text.
cp -r "$tmp/closed" "$tmp/text"
rm -f "$tmp/text/calls" "$tmp/text/received"
PROFILE_OUTPUT=text run_loop text
got=$(received text)
if [[ $rc -eq 0 && $got == "11 12 13 14 " ]] &&
    ! grep -v -- '--output json' "$tmp/text/calls" | grep -q .; then
    ok "profile output text: every aws call asks for --output json, all records replayed"
else
    not_ok "profile output text: every aws call asks for --output json" \
        "exit $rc, records replayed: '$got'"$'\n'"$(cat "$tmp/text/calls")"$'\n'"$out"
fi

# An open shard: after its records, empty pages for ever. The loop ends, bounded.
mkdir "$tmp/open"
page "$tmp/open/1.json" 1 21
page "$tmp/open/2.json" 1 22
page "$tmp/open/tip.json" 1
run_loop open
got=$(received open)
calls=$(grep -c 'get-records' "$tmp/open/calls" 2>/dev/null)
empties=$((calls - 2))
if [[ $rc -eq 0 && $got == "21 22 " && $empties -ge 2 && $empties -le 60 ]]; then
    ok "open shard: stops after $empties empty pages in a row, both records replayed"
else
    not_ok "open shard: stops after a bounded number of empty pages" \
        "exit $rc, records '$got', get-records calls: $calls"$'\n'"$out"
fi
if [[ -s $tmp/open/sleeps ]]; then
    ok "empty pages are polled with a pause ($(sort -u "$tmp/open/sleeps" | tr '\n' ' ')s)"
else
    not_ok "empty pages are polled with a pause"
fi

# get-records fails on page 2: the pipeline's status says so.
mkdir "$tmp/fails"
page "$tmp/fails/1.json" 1 31
page "$tmp/fails/2.json" 1 32
page "$tmp/fails/3.json" 0 33
page "$tmp/fails/tip.json" 1
FAIL_AT=2 run_loop fails
got=$(received fails)
if grep -q '^reader: 254, a2a-recover: 0$' <<<"$out" && [[ $got == "31 " ]]; then
    ok "get-records failing on page 2: reader status 254 shown, page 1 replayed, no more"
else
    not_ok "get-records failing on page 2: reader status 254 shown" \
        "records '$got'"$'\n'"$out"
fi
# The pipeline itself (with pipefail) must be nonzero: run the example without the line
# that prints the statuses, so that the shell's status is the pipeline's.
grep -v '^echo .*PIPESTATUS' "$tmp/loop.sh" >"$tmp/loop-status.sh"
rm -f "$tmp/fails/calls" "$tmp/fails/received"
(cd "$tmp/fails" && env -i PATH="$tmp/bin:$PATH" HOME="$tmp/fails" SHARD_DIR="$tmp/fails" \
    AWS_DEFAULT_OUTPUT=json FAIL_AT=2 ARN=arn:fake SHARD=shard-1 A2A_URL=http://127.0.0.1:9/x \
    timeout 60 bash "$tmp/loop-status.sh" >/dev/null 2>&1)
rc=$?
if [[ $rc -ne 0 ]]; then
    ok "get-records failing: the pipeline's status is nonzero ($rc)"
else
    not_ok "get-records failing: the pipeline's status is nonzero" "status 0"
fi

# get-shard-iterator fails: the reader's status says so, not an empty input's.
mkdir "$tmp/nostart"
page "$tmp/nostart/1.json" 0 41
FAIL_AT=iterator run_loop nostart
if grep -q '^reader: 254, a2a-recover: 0$' <<<"$out" && [[ ! -s $tmp/nostart/received ]] &&
    ! grep -q 'get-records' "$tmp/nostart/calls"; then
    ok "get-shard-iterator failing: reader status 254 shown, no get-records"
else
    not_ok "get-shard-iterator failing: reader status 254 shown" \
        "calls: $(cat "$tmp/nostart/calls" 2>/dev/null)"$'\n'"$out"
fi

checks_done
