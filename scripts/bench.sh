#!/usr/bin/env bash
# bench.sh - benchmark a2a-recover against the tools people would otherwise use
#
# usage: scripts/bench.sh [--records N] [--dispatch-records N] [--stream-records N]
#                         [--runs K] [--quick] [--workdir DIR] [--bin PATH] [--no-install]
#        scripts/bench.sh --memory [--quick] [--workdir DIR] [--bin PATH]
#        scripts/bench.sh --scaling [--quick] [--bin PATH]
#        scripts/bench.sh --per-request [--quick] [--dispatch-records N] [--bin PATH]
#
# Default mode (the performance targets): installs what is missing from Debian (nginx-light,
# wrk, jq, time, nodejs, npm, awscli: scripts/setup.sh --install) and the pinned npm
# packages of the Powertools peer (scripts/bench/package-lock.json, `npm ci`
# into scripts/bench/node_modules), builds a2a-recover Release in
# build-bench/, generates deterministic workloads with scripts/gen-batch.py
# (kept in build-bench/workloads/ and reused), starts nginx on 127.0.0.1 on a
# free port answering every POST with 200 {"outcome":"dispatched"}, and prints
# one markdown table:
#   a2a-recover -n on the lambda, ndjson and pages shapes (--records, 200000)
#   jq peer (scripts/bench/peer.jq), Python peer (scripts/bench/peer_dry.py)
#     and Powertools for AWS Lambda (TypeScript) peer
#     (scripts/bench/peer_powertools.mjs, Node.js) dry runs on the lambda shape
#   a2a-recover dispatch at -j 1, -j 4, -j 16 and the Python dispatch peer
#     (scripts/bench/peer_dispatch.py, 16 threads, keep-alive) on a smaller
#     lambda workload (--dispatch-records, 50000)
#   the libcurl floor: scripts/bench/peer_libcurl.c (built here with cc
#     against the system libcurl, the one a2a-recover loads), the least a
#     libcurl client does to POST the same number of typical bodies over 16
#     keep-alive connections; what any libcurl-based dispatcher can reach
#   wrk, 16 connections for 10 s, POSTing a typical body (the ceiling)
#   one closed shard of gen-batch's records (--stream-records, 1000000; 1000
#     a page) served by the test Streams server (scripts/test-streams.py
#     --generate, on 127.0.0.1, ephemeral port) and read two ways: by
#     `a2a-recover --stream ARN --dry-run`, and by the AWS CLI loop an
#     operator uses today (scripts/bench/peer_aws_loop.sh: the manual's
#     get-shard-iterator + get-records loop with Debian's /usr/bin/aws, or
#     $A2A_AWS_CLI, every page piped into `a2a-recover --dry-run`).  Both get
#     --endpoint-url to loopback, a test key in AWS_ACCESS_KEY_ID/SECRET,
#     AWS_REGION=us-east-1, AWS_EC2_METADATA_DISABLED=true, HOME an empty
#     directory; no other AWS_* or proxy variable of the caller's.  The AWS CLI
#     takes about 1.1 s a call on 2 quiet cores (1.2 to 2 s on busy ones): at
#     1000000 records, 1,001 calls, 18 minutes a run or more.
# with records/s, requests/s, peak RSS (/usr/bin/time %M) and the ratios the
# performance targets are stated in, each measured within one run.  Every row checks its
# response against the generator's --expected list (and, for dispatch rows,
# the number of requests nginx answered).  --runs K repeats the whole set and
# reports medians.  Every dry-run row, a2a-recover's and the peers', gets the same
# time budget within a run of the set: it runs at least 3 times and until its runs
# add up to 10 s, and its figure is the fastest of them.  A peer's run takes seconds,
# so 3 or 4 of them reach its floor; a2a-recover's takes a tenth of a second, on
# which one scheduler hiccup of a shared machine is a third of the time, so it
# needs more runs to reach its own (`--runs 3` of a fixed count of 3 had its
# figure swing from 20x to 27x from run to run).  The fastest of more runs is
# lower by construction, which favours the row with more runs (ours): so the
# table also gives each ratio by the medians, and its per-run section shows the
# runs made, the fastest, the median and the slowest of every row.  A row whose
# command fails stops at its first failing run.  The measurements are kept in
# a new directory under build-bench/bench-results/ (under DIR/bench-results/
# with --workdir DIR): results.tsv, dry-samples.tsv and table.md;
# `scripts/bench/table.py main results.tsv dry-samples.tsv` renders them again.
#
# --memory   generates a ~1 GB input in every shape (one {"Records":[...]}
#            document, NDJSON, concatenated pages) under --workdir (default:
#            a temporary directory in /tmp), reports the peak RSS of
#            `a2a-recover -n -q` on each (target <= 16 MB), deletes them.
# --scaling  dry-run CPU cost per record at 10k, 100k, 1M and 10M records,
#            each streamed from gen-batch.py through a pipe (10M records is
#            ~9 GB); only the tool's own user+sys CPU time is counted
#            (scripts/bench/rusage.py: wait4() figures in microseconds).
# --per-request  where a dispatched request's cost goes, a2a-recover -j 16 beside
#            wrk (16 connections) on the same loopback nginx: CPU time a request
#            (user and system, from wait4), system calls a request (strace -c -f),
#            and instructions a request (valgrind --tool=callgrind), split by
#            object (libcurl, libc, a2a-recover, the rest).  a2a-recover's figures
#            are those of a dispatch run less those of a dry run of the same input
#            (--dispatch-records, 50000; callgrind on 5000), so reading and
#            classifying the records is not counted; the libcurl floor's
#            (scripts/bench/peer_libcurl.c, as many requests) and wrk's are their
#            whole process over their requests.  Installs strace and valgrind when
#            missing.
#            No target: these figures say why the dispatch ratio is what it is.
# --quick    smaller sizes everywhere (a smoke test of the script itself):
#            20000 records, 5000 to dispatch, 20000 in the stream shard; a dry
#            row's budget of 1 s and wrk for 3 s.
#
# Exit status: 0 checks ok and targets met; 1 a check failed or a step broke;
# 2 usage; 3 a target was missed.

set -euo pipefail
export LC_ALL=C
# Every measurement talks to 127.0.0.1 only: nothing of the caller's AWS
# configuration or proxies may reach the AWS clients of the stream rows.
while read -r var; do
    case $var in
    AWS_* | http_proxy | https_proxy | HTTP_PROXY | HTTPS_PROXY | all_proxy | ALL_PROXY)
        unset "$var" ;;
    esac
done < <(compgen -e)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$ROOT/scripts/bench"
GEN="$ROOT/scripts/gen-batch.py"
STREAMS="$ROOT/scripts/test-streams.py"
# Debian's AWS CLI (package awscli), not whichever `aws` comes first on PATH.
AWS_CLI=${A2A_AWS_CLI:-/usr/bin/aws}
BUILD="$ROOT/build-bench"

mode=table
records=200000
dispatch_records=50000
DRY_REPEAT=3  # each dry-run row, ours and the peers', runs at least this many times
DRY_BUDGET=10 # and until its runs add up to this many seconds; the fastest counts
stream_records=1000000
runs=1
quick=0
workdir=
bin=
install=1
wrk_seconds=10
records_set=0
dispatch_set=0
stream_set=0

usage()
{
    sed -n '4,8s/^# \{0,1\}//p' "$0" >&2
    echo "try 'scripts/bench.sh --help' for more" >&2
    exit 2
}

help()
{
    sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
    exit 0
}

count()
{
    case $2 in
    '' | *[!0-9]*) echo "bench.sh: $1: not a number: '$2'" >&2; exit 2 ;;
    esac
    echo "$2"
}

while [ $# -gt 0 ]; do
    case $1 in
    --records) [ $# -ge 2 ] || usage; records=$(count "$1" "$2"); records_set=1; shift ;;
    --dispatch-records)
        [ $# -ge 2 ] || usage; dispatch_records=$(count "$1" "$2"); dispatch_set=1; shift ;;
    --stream-records)
        [ $# -ge 2 ] || usage; stream_records=$(count "$1" "$2"); stream_set=1; shift ;;
    --runs) [ $# -ge 2 ] || usage; runs=$(count "$1" "$2"); shift ;;
    --workdir) [ $# -ge 2 ] || usage; workdir=$2; shift ;;
    --bin) [ $# -ge 2 ] || usage; bin=$2; shift ;;
    --quick) quick=1 ;;
    --memory) mode=memory ;;
    --scaling) mode=scaling ;;
    --per-request) mode=per_request ;;
    --no-install) install=0 ;;
    -h | --help) help ;;
    *) echo "bench.sh: unknown argument: $1" >&2; usage ;;
    esac
    shift
done
[ "$runs" -ge 1 ] || { echo "bench.sh: --runs must be >= 1" >&2; exit 2; }
if [ "$quick" = 1 ]; then
    [ "$records_set" = 1 ] || records=20000
    [ "$dispatch_set" = 1 ] || dispatch_records=5000
    [ "$stream_set" = 1 ] || stream_records=20000
    wrk_seconds=3
    DRY_BUDGET=1
fi
if [ "$records" -lt 1 ] || [ "$dispatch_records" -lt 1 ] || [ "$stream_records" -lt 1 ]; then
    echo "bench.sh: record counts must be >= 1" >&2
    exit 2
fi

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench.sh: %s\n' "$*" >&2; exit 1; }

# --- Cleanup: nginx (by the pid it wrote), the Streams server, temporary files

TMPD=$(mktemp -d /tmp/a2a-bench.XXXXXX)
NGX_PREFIX=
MEM_DIR=
CHILD=       # process group of the command being measured
STREAMS_PID= # process group of scripts/test-streams.py

cleanup()
{
    local pid
    if [ -n "$CHILD" ]; then
        kill -TERM -- "-$CHILD" 2>/dev/null || true
        wait "$CHILD" 2>/dev/null || true
    fi
    if [ -n "$NGX_PREFIX" ] && [ -s "$NGX_PREFIX/nginx.pid" ]; then
        pid=$(cat "$NGX_PREFIX/nginx.pid")
        kill -QUIT "$pid" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    [ -z "$STREAMS_PID" ] || stop_group "$STREAMS_PID"
    [ -z "$NGX_PREFIX" ] || rm -rf "$NGX_PREFIX"
    [ -z "$MEM_DIR" ] || rm -rf "$MEM_DIR"
    rm -rf "$TMPD"
}
# stop_group PGID: SIGTERM to a process group we started, SIGKILL after 2 s.
stop_group()
{
    kill -TERM -- "-$1" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 -- "-$1" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL -- "-$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Tools -----------------------------------------------------------------

install_missing()
{
    local need=()

    command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
    command -v wrk >/dev/null 2>&1 || need+=(wrk)
    command -v jq >/dev/null 2>&1 || need+=(jq)
    [ -x /usr/bin/time ] || need+=(time)
    command -v curl >/dev/null 2>&1 || need+=(curl)
    command -v cmake >/dev/null 2>&1 || need+=(cmake)
    command -v make >/dev/null 2>&1 || need+=(make)
    command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
    command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
    command -v node >/dev/null 2>&1 || need+=(nodejs)
    command -v npm >/dev/null 2>&1 || need+=(npm)
    [ -x "$AWS_CLI" ] || [ -n "${A2A_AWS_CLI:-}" ] || need+=(awscli)
    if [ "$mode" = per_request ]; then
        command -v strace >/dev/null 2>&1 || need+=(strace)
        command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
    fi
    if command -v pkg-config >/dev/null 2>&1; then
        pkg-config --exists libcjson || need+=(libcjson-dev)
        pkg-config --exists libcurl || need+=(libcurl4-openssl-dev)
    else
        need+=(libcjson-dev libcurl4-openssl-dev)
    fi
    [ ${#need[@]} -gt 0 ] || return 0
    [ "$install" = 1 ] || die "missing (and --no-install given): ${need[*]}"
    "$ROOT/scripts/setup.sh" --install "${need[@]}" >&2 || die "apt-get install failed"
}

# The Powertools peer's packages, exactly as locked: `npm ci` when the installed
# tree was not made from this lockfile (it deletes and refills node_modules).
install_node_modules()
{
    local stamp="$BENCH/node_modules/.bench-package-lock.json"
    if cmp -s "$BENCH/package-lock.json" "$stamp"; then
        return
    fi
    [ "$install" = 1 ] ||
        die "scripts/bench/node_modules is not from package-lock.json (and --no-install given)"
    say "npm ci in scripts/bench (Powertools peer)"
    (cd "$BENCH" && npm ci --no-audit --no-fund --loglevel=error) >&2 || die "npm ci failed"
    cp "$BENCH/package-lock.json" "$stamp"
}

build()
{
    if [ -n "$bin" ]; then
        [ -x "$bin" ] || die "--bin $bin: not an executable"
        A2A=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
        return
    fi
    say "building a2a-recover (Release) in $BUILD"
    if ! { cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF &&
        cmake --build "$BUILD" -j2 --target a2a-recover; } >"$TMPD/build.log" 2>&1; then
        cat "$TMPD/build.log" >&2
        die "build failed"
    fi
    A2A="$BUILD/cli/a2a-recover"
}

# The libcurl floor's binary: built each time, it is one small file.
build_peer_libcurl()
{
    PEER_LIBCURL="$TMPD/peer_libcurl"
    # shellcheck disable=SC2046 # pkg-config's flags are words
    cc -std=c11 -O2 -Wall -Wextra -Werror -o "$PEER_LIBCURL" "$BENCH/peer_libcurl.c" \
        $(pkg-config --cflags --libs libcurl 2>/dev/null || echo -lcurl) \
        >"$TMPD/peer_libcurl.log" 2>&1 || { cat "$TMPD/peer_libcurl.log" >&2
        die "could not build $BENCH/peer_libcurl.c (libcurl's headers: libcurl4-openssl-dev)"; }
}

NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)

# --- Measuring ---------------------------------------------------------------

# run CMD...: runs CMD in a process group of its own and waits for it, so
# that a signal reaches the trap at once and cleanup can stop the whole
# group (/usr/bin/time does not pass SIGTERM on to its child).
run()
{
    local rc=0
    setsid "$@" &
    CHILD=$!
    wait "$CHILD" || rc=$?
    CHILD=
    return "$rc"
}

# measure OUT ERR CMD...: runs CMD with stdout to OUT and stderr to ERR under
# /usr/bin/time; sets M_RC, M_WALL (s) and M_RSS (KB).
measure()
{
    local out=$1 err=$2 t0 t1
    shift 2
    M_RC=0
    t0=$EPOCHREALTIME
    run /usr/bin/time -f '%M %U %S' -o "$TMPD/time" "$@" >"$out" 2>"$err" || M_RC=$?
    t1=$EPOCHREALTIME
    read -r M_RSS _ < <(tail -n 1 "$TMPD/time")
    M_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
}

# best_of RUN KEY OUT ERR CMD...: measure, at least DRY_REPEAT times and until
# the runs add up to DRY_BUDGET seconds; every wall time goes to SAMPLES.  Keeps
# the fastest wall time, the largest peak RSS, and the last run's exit status and
# output (the commands are deterministic).  The same budget for every row, not the
# same count of runs: see the header.
best_of()
{
    local run=$1 key=$2 best='' rss=0 rc='' n=0 spent=0
    shift 2
    while [ "$n" -lt "$DRY_REPEAT" ] ||
        awk -v s="$spent" -v b="$DRY_BUDGET" 'BEGIN { exit !(s < b) }'; do
        # A failing command fails its check already: one run of it is enough,
        # not a budget's worth of runs of a millisecond each.
        case $rc in '' | 0 | 1) ;; *) break ;; esac
        measure "$@"
        n=$((n + 1))
        printf '%s\t%s\t%s\n' "$run" "$key" "$M_WALL" >>"$SAMPLES"
        spent=$(awk -v s="$spent" -v w="$M_WALL" 'BEGIN { printf "%.6f", s + w }')
        # A status that changes from run to run is itself a failed check.
        [ -z "$rc" ] || [ "$rc" = "$M_RC" ] || rc=unsteady
        [ "$rc" = unsteady ] || rc=$M_RC
        if [ -z "$best" ] || awk -v a="$M_WALL" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$M_WALL
        fi
        [ "$M_RSS" -le "$rss" ] || rss=$M_RSS
    done
    M_WALL=$best
    M_RSS=$rss
    M_RC=$rc
}

# check_response EXPECTED OUT RC: "ok" or what is wrong.  Exit 0 (nothing
# listed) and 1 (failures listed) are both normal for a run with failures.
check_response()
{
    if [ "$3" != 0 ] && [ "$3" != 1 ]; then
        echo "exit status $3"
        return
    fi
    python3 "$BENCH/table.py" same "$1" "$2" || true
}

# row RUN KEY LABEL WORKLOAD RECORDS REQUESTS CHECK: one line of results.
row()
{
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" \
        "$M_WALL" "$M_RSS" "$7" >>"$RESULTS"
    say "run $1: $3: ${M_WALL}s, ${M_RSS} KB, $7"
}

# --- Workloads ---------------------------------------------------------------

# workload SHAPE N: generates (once) DIR/SHAPE-N.json with its .expected and
# .summary files; prints the path of the input.
workload()
{
    local shape=$1 n=$2 base
    base="$WORKDIR/$shape-$n-seed1"
    if [ ! -s "$base.json" ] || [ ! -s "$base.expected" ] || [ ! -s "$base.summary" ]; then
        say "generating $shape workload of $n records"
        python3 "$GEN" --records "$n" --shape "$shape" --seed 1 --out "$base.json.tmp" \
            --expected "$base.expected" --summary 2>"$base.summary.tmp" ||
            die "gen-batch.py failed"
        mv "$base.summary.tmp" "$base.summary"
        mv "$base.json.tmp" "$base.json"
    fi
    echo "$base.json"
}

summary_field()
{
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# --- nginx -------------------------------------------------------------------

free_port()
{
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_nginx()
{
    local status='' tries
    NGX_PREFIX=$(mktemp -d /tmp/a2a-bench-nginx.XXXXXX)
    chmod 755 "$NGX_PREFIX" # workers run as nobody when started by root
    if "$NGINX" -V 2>&1 | grep -q stub_status; then
        status='location = /nginx_status { stub_status; }'
    fi
    for tries in 1 2 3 4 5; do
        NGX_PORT=$(free_port)
        sed -e "s|@PREFIX@|$NGX_PREFIX|g" -e "s|@PORT@|$NGX_PORT|g" \
            -e "s|@STATUS_LOCATION@|$status|" \
            "$BENCH/nginx.conf.in" >"$NGX_PREFIX/nginx.conf"
        if "$NGINX" -p "$NGX_PREFIX" -e "$NGX_PREFIX/error.log" \
            -c "$NGX_PREFIX/nginx.conf" 2>>"$NGX_PREFIX/start.log"; then
            break
        fi
        [ "$tries" -lt 5 ] || { cat "$NGX_PREFIX/start.log" "$NGX_PREFIX/error.log" >&2 || true
            die "nginx did not start"; }
    done
    URL="http://127.0.0.1:$NGX_PORT/internal/push/redispatch"
    HAVE_STATUS=0
    [ -z "$status" ] || HAVE_STATUS=1
    for _ in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$NGX_PORT/" && break
        sleep 0.1
    done
    verify_nginx
    say "nginx on 127.0.0.1:$NGX_PORT (pid $(cat "$NGX_PREFIX/nginx.pid"))"
}

# Two POSTs on one connection: both must get the fixed answer, and the second
# must reuse the connection, which works only if nginx read the first body
# (32 KB here: unread bytes would be parsed as the next request).
verify_nginx()
{
    local body="$TMPD/big-body.json" got
    python3 -c 'import sys; sys.stdout.write("{\"pad\":\"" + "x" * 32768 + "\"}")' >"$body"
    got=$(curl -sS -H 'Content-Type: application/json' --data-binary "@$body" \
        -w ' %{http_code} %{num_connects}\n' "$URL" \
        --next -H 'Content-Type: application/json' --data-binary "@$body" \
        -w ' %{http_code} %{num_connects}\n' "$URL") || die "curl to nginx failed"
    if [ "$got" != '{"outcome":"dispatched"} 200 1
{"outcome":"dispatched"} 200 0' ]; then
        printf '%s\n' "$got" >&2
        die "nginx does not answer POSTs with 200 {\"outcome\":\"dispatched\"} on keep-alive"
    fi
}

# nginx's count of requests so far (0 without stub_status).
nginx_requests()
{
    if [ "$HAVE_STATUS" = 1 ]; then
        curl -s "http://127.0.0.1:$NGX_PORT/nginx_status" | awk 'NR == 3 { print $3 }'
    else
        echo 0
    fi
}

# served BEFORE: requests answered since BEFORE (less the status requests).
served()
{
    echo $(($(nginx_requests) - $1 - 1))
}

# --- The test Streams server ------------------------------------------------

# A test key for the fake only: handed to it in a file and to the clients in
# the environment, never on a command line.
STREAMS_KEY_ID=AKIDBENCHSTREAMS0001
STREAMS_SECRET=bench-streams-secret/0123456789+abcdefghij

# start_streams N: scripts/test-streams.py serving gen-batch's stream, one
# closed shard of N generated records, on 127.0.0.1 at a port the kernel picks
# (--port 0, read back from --port-file).  Sets STREAMS_URL, STREAM_ARN and
# STREAM_SHARD (the shard's id, as DescribeStream lists it).
start_streams()
{
    local n=$1 port='' keys="$TMPD/streams-keys.json" pf="$TMPD/streams.port"
    printf '[{"accessKeyId":"%s","secretAccessKey":"%s"}]\n' \
        "$STREAMS_KEY_ID" "$STREAMS_SECRET" >"$keys"
    rm -f "$pf"
    # --no-log-seqs and no --record: nothing kept per call, so the server's
    # own cost stays flat over a million records.
    setsid python3 "$STREAMS" --host 127.0.0.1 --port 0 --port-file "$pf" \
        --generate "$n" --keys-file "$keys" --no-log-seqs \
        </dev/null >"$TMPD/streams.log" 2>&1 &
    STREAMS_PID=$!
    for _ in $(seq 100); do
        [ ! -s "$pf" ] || { port=$(cat "$pf"); break; }
        kill -0 "$STREAMS_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$port" ] || ! curl -sf -o /dev/null "http://127.0.0.1:$port/_health"; then
        cat "$TMPD/streams.log" >&2 || true
        die "scripts/test-streams.py did not start"
    fi
    STREAMS_URL="http://127.0.0.1:$port"
    STREAM_ARN=$(python3 -c 'import importlib.util, sys
spec = importlib.util.spec_from_file_location("gen_batch", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(module.STREAM_ARN)' "$GEN")
    # The shard id from the server itself, through the CLI the loop uses
    # (not timed): this also shows the CLI reaches the fake and signs right.
    STREAM_SHARD=$(aws_env "$AWS_CLI" dynamodbstreams describe-stream --output json \
        --endpoint-url "$STREAMS_URL" --stream-arn "$STREAM_ARN" 2>"$TMPD/describe.err" |
        python3 -c 'import json, sys
shards = json.load(sys.stdin)["StreamDescription"]["Shards"]
print(shards[0]["ShardId"] if len(shards) == 1 else "")') || true
    if [ -z "$STREAM_SHARD" ]; then
        cat "$TMPD/describe.err" >&2 || true
        die "$AWS_CLI dynamodbstreams describe-stream against the test Streams server failed"
    fi
    say "test Streams server on $STREAMS_URL (pid $STREAMS_PID), $n records in $STREAM_SHARD"
}

# aws_env CMD...: runs CMD (a command or a function such as measure) with the
# fake's key in the environment, the region, no instance metadata and HOME an
# empty directory (no ~/.aws); every other AWS_* variable and proxy was
# cleared at the start.  Assignments, not `env` arguments: the secret is never
# on a command line.
aws_env()
{
    mkdir -p "$TMPD/aws-home"
    HOME="$TMPD/aws-home" AWS_ACCESS_KEY_ID="$STREAMS_KEY_ID" \
        AWS_SECRET_ACCESS_KEY="$STREAMS_SECRET" AWS_REGION=us-east-1 \
        AWS_EC2_METADATA_DISABLED=true AWS_PAGER='' "$@"
}

# stream_expected N: the generator's expected response for its first N
# records (the fake's --generate shard is gen-batch's records, as
# tests/integration/test_streams_fake.py checks); made once, kept in WORKDIR.
stream_expected()
{
    local exp="$WORKDIR/stream-$1-seed1.expected"
    if [ ! -s "$exp" ]; then
        say "generating the expected response for $1 stream records"
        python3 "$GEN" --records "$1" --seed 1 --out /dev/null --expected "$exp.tmp" ||
            die "gen-batch.py failed"
        mv "$exp.tmp" "$exp"
    fi
    echo "$exp"
}

# --- Modes -------------------------------------------------------------------

# check_dispatch EXPECTED OUT RC SERVED WANT
check_dispatch()
{
    local c
    c=$(check_response "$1" "$2" "$3")
    if [ "$c" = ok ] && [ "$HAVE_STATUS" = 1 ] && [ "$4" != "$5" ]; then
        c="nginx answered $4 requests, $5 expected"
    fi
    echo "$c"
}

mode_table()
{
    local run shape f exp n=$records nd=$dispatch_records lambda lexp dfile dexp want
    local before s c j wout="$TMPD/wrk.out" reqs dur non2xx
    local ns=$stream_records sexp loopdir="$TMPD/aws-loop" pages keep

    WORKDIR=${workdir:-$BUILD/workloads}
    mkdir -p "$WORKDIR"
    for shape in lambda ndjson pages; do
        workload "$shape" "$n" >/dev/null
    done
    lambda=$(workload lambda "$n")
    lexp=${lambda%.json}.expected
    dfile=$(workload lambda "$nd")
    dexp=${dfile%.json}.expected
    want=$(summary_field "${dfile%.json}.summary" insert_valid)
    sexp=$(stream_expected "$ns")
    start_nginx
    build_peer_libcurl
    start_streams "$ns"
    mkdir -p "$loopdir"

    for run in $(seq "$runs"); do
        for shape in lambda ndjson pages; do
            f=$(workload "$shape" "$n")
            exp=${f%.json}.expected
            best_of "$run" "dry_$shape" "$TMPD/out" /dev/null "$A2A" -n -q "$f"
            row "$run" "dry_$shape" "a2a-recover -n ($shape)" "$shape, $n rec" "$n" - \
                "$(check_response "$exp" "$TMPD/out" "$M_RC")"
        done
        best_of "$run" jq_dry "$TMPD/out" "$TMPD/err" jq -c -f "$BENCH/peer.jq" "$lambda"
        row "$run" jq_dry "jq peer dry run" "lambda, $n rec" "$n" - \
            "$(check_response "$lexp" "$TMPD/out" "$M_RC")"
        best_of "$run" py_dry "$TMPD/out" "$TMPD/err" python3 "$BENCH/peer_dry.py" "$lambda"
        row "$run" py_dry "Python peer dry run" "lambda, $n rec" "$n" - \
            "$(check_response "$lexp" "$TMPD/out" "$M_RC")"
        best_of "$run" ts_dry "$TMPD/out" "$TMPD/err" node "$BENCH/peer_powertools.mjs" "$lambda"
        row "$run" ts_dry "Powertools TS peer dry run" "lambda, $n rec" "$n" - \
            "$(check_response "$lexp" "$TMPD/out" "$M_RC")"

        for j in 1 4 16; do
            before=$(nginx_requests)
            measure "$TMPD/out" "$TMPD/err" "$A2A" -q --no-progress -j "$j" -u "$URL" "$dfile"
            s=$(served "$before")
            row "$run" "disp_j$j" "a2a-recover -j $j" "lambda, $nd rec, $want POSTs" \
                "$nd" "$want" "$(check_dispatch "$dexp" "$TMPD/out" "$M_RC" "$s" "$want")"
        done
        before=$(nginx_requests)
        measure "$TMPD/out" "$TMPD/err" "$PEER_LIBCURL" "$URL" "$want" 16
        s=$(served "$before")
        c=ok
        if [ "$M_RC" != 0 ] || ! grep -qx "requests: $want non-2xx: 0 failed: 0" "$TMPD/out"; then
            c="exit $M_RC: $(head -c 200 "$TMPD/out" "$TMPD/err" | tr '\n' ' ')"
        elif [ "$HAVE_STATUS" = 1 ] && [ "$s" != "$want" ]; then
            c="nginx answered $s requests, $want expected"
        fi
        row "$run" curl_disp "libcurl floor (16 connections)" "POST, typical body, $want POSTs" \
            - "$want" "$c"
        before=$(nginx_requests)
        measure "$TMPD/out" "$TMPD/err" python3 "$BENCH/peer_dispatch.py" --threads 16 "$URL" "$dfile"
        s=$(served "$before")
        row "$run" py_disp "Python peer dispatch (16 threads)" "lambda, $nd rec, $want POSTs" \
            "$nd" "$want" "$(check_dispatch "$dexp" "$TMPD/out" "$M_RC" "$s" "$want")"

        measure "$wout" "$TMPD/err" wrk -t 2 -c 16 -d "${wrk_seconds}s" \
            -s "$BENCH/post.lua" "$URL"
        reqs=$(awk '/requests in/ { print $1 }' "$wout")
        dur=$(awk '/requests in/ { sub(/s,$/, "", $4); print $4 }' "$wout")
        non2xx=$(awk '/Non-2xx/ { print $NF }' "$wout")
        c=ok
        if [ "$M_RC" != 0 ] || [ -z "$reqs" ]; then
            c="wrk failed (exit $M_RC)"
        elif [ -n "$non2xx" ]; then
            c="$non2xx non-2xx answers"
        elif grep -q 'Socket errors' "$wout"; then
            c="$(grep 'Socket errors' "$wout" | sed 's/^ *//')"
        fi
        # wrk's own measured duration, not its start-up and tear-down.
        M_WALL=${dur:-$M_WALL}
        row "$run" wrk "wrk, 16 connections, ${wrk_seconds} s" "POST, typical body" - \
            "${reqs:-0}" "$c"

        aws_env measure "$TMPD/out" "$TMPD/err" "$A2A" --stream "$STREAM_ARN" --dry-run -q \
            --no-progress --endpoint-url "$STREAMS_URL"
        row "$run" stream_dry "a2a-recover --stream --dry-run" "test Streams server, $ns rec" \
            "$ns" - "$(check_response "$sexp" "$TMPD/out" "$M_RC")"
        aws_env measure "$TMPD/out" "$TMPD/err" "$BENCH/peer_aws_loop.sh" "$AWS_CLI" \
            "$STREAMS_URL" "$STREAM_ARN" "$STREAM_SHARD" "$A2A" "$loopdir"
        row "$run" stream_cli "AWS CLI get-records loop into a2a-recover --dry-run" \
            "test Streams server, $ns rec" "$ns" - \
            "$(check_response "$sexp" "$TMPD/out" "$M_RC")"
        pages=$(sed -n 's/^peer_aws_loop.sh: get-records calls: //p' "$TMPD/err")
        [ -z "$pages" ] || say "run $run: AWS CLI loop: $pages get-records calls," \
            "$(awk -v w="$M_WALL" -v p="$pages" 'BEGIN { printf "%.2f", w / (p + 1) }') s a call"
    done

    mkdir -p "${workdir:-$BUILD}/bench-results"
    keep=$(mktemp -d "${workdir:-$BUILD}/bench-results/$(date -u +%Y%m%dT%H%M%SZ).XXXXXX")
    cp "$RESULTS" "$keep/results.tsv"
    cp "$SAMPLES" "$keep/dry-samples.tsv"
    say "measurements kept in $keep"
    # The pipeline's status is table.py's (pipefail): 3 when a target is missed.
    {
        echo
        echo "a2a-recover benchmark: $(nproc) cores, load average" \
            "$(cut -d' ' -f1-3 /proc/loadavg), $(($(stat -c %s "$lambda") / 1000000)) MB lambda input"
        echo
        python3 "$BENCH/table.py" main "$keep/results.tsv" "$keep/dry-samples.tsv"
    } | tee "$keep/table.md"
}

mode_memory()
{
    local n shape f exp bytes

    if [ -n "$workdir" ]; then
        mkdir -p "$workdir"
        MEM_DIR=$(mktemp -d "$workdir/a2a-bench-memory.XXXXXX")
    else
        MEM_DIR=$(mktemp -d /tmp/a2a-bench-memory.XXXXXX)
    fi
    # ~930 bytes a record: 1,160,000 records is a little over 1 GiB.
    n=1160000
    [ "$quick" = 0 ] || n=116000
    for shape in lambda ndjson pages; do
        f="$MEM_DIR/$shape.json"
        exp="$MEM_DIR/$shape.expected"
        say "generating $shape input of $n records in $MEM_DIR"
        python3 "$GEN" --records "$n" --shape "$shape" --seed 1 --out "$f" --expected "$exp" ||
            die "gen-batch.py failed"
        bytes=$(stat -c %s "$f")
        measure "$TMPD/out" /dev/null "$A2A" -n -q "$f"
        row 1 "mem_$shape" "$shape" "$((bytes / 1000000)) MB" "$n" - \
            "$(check_response "$exp" "$TMPD/out" "$M_RC")"
        rm -f "$f"
    done
    echo
    python3 "$BENCH/table.py" memory "$RESULTS"
}

mode_scaling()
{
    local n reps cpu rss c exp="$TMPD/scaling.expected" sizes user sys

    # 1 record measures the start-up (dynamic linking, threads, buffers; a dry
    # run opens no libcurl), which table.py takes off the larger sizes' figures.
    sizes="1 10000 100000 1000000 10000000"
    [ "$quick" = 0 ] || sizes="1 10000 100000 1000000"
    for n in $sizes; do
        # Small sizes are repeated (up to 1M records, at most 100 processes)
        # so that each figure sums enough CPU time to be steady.
        reps=$(((1000000 + n - 1) / n))
        [ "$reps" -le 100 ] || reps=100
        cpu=0
        rss=0
        c=ok
        say "scaling: $n records x $reps"
        for _ in $(seq "$reps"); do
            # rusage.py is /usr/bin/time with microseconds: GNU time's
            # %U/%S hundredths are too coarse for a 10 ms run.
            M_RC=0
            run sh -c 'python3 "$1" --records "$2" --seed 1 --expected "$3" |
                python3 "$4" "$5" "$6" -n -q' sh "$GEN" "$n" "$exp" "$BENCH/rusage.py" \
                "$TMPD/time" "$A2A" >"$TMPD/out" 2>/dev/null || M_RC=$?
            read -r M_RSS user sys < <(tail -n 1 "$TMPD/time")
            cpu=$(awk -v c="$cpu" -v u="$user" -v s="$sys" 'BEGIN { printf "%.6f", c + u + s }')
            [ "$M_RSS" -le "$rss" ] || rss=$M_RSS
            if [ "$c" = ok ]; then
                c=$(check_response "$exp" "$TMPD/out" "$M_RC")
            fi
        done
        M_WALL=$cpu
        M_RSS=$rss
        row 1 "scale_$n" "$n" pipe "$n" "$reps" "$c"
    done
    echo
    python3 "$BENCH/table.py" scaling "$RESULTS"
}

# syscalls_of STRACE_C_OUTPUT: the total count of system calls strace -c saw.
syscalls_of()
{
    awk '$NF == "total" { print $4 }' "$1"
}

# callgrind_split OUT: "total libcurl libc a2a-recover" instructions of one
# callgrind profile (each function's own instructions, summed by object).
callgrind_split()
{
    callgrind_annotate --inclusive=no --threshold=100 "$1" 2>/dev/null | awk '
        /^ *[0-9,]+ .*\[/ {
            n = $1; gsub(/,/, "", n); obj = $NF
            if (obj ~ /libcurl/) curl += n
            else if (obj ~ /\/libc\.so/) libc += n
            else if (obj ~ /a2a-recover\]$/) ours += n
        }
        /PROGRAM TOTALS/ { t = $1; gsub(/,/, "", t) }
        END { printf "%d %d %d %d\n", t, curl, libc, ours }'
}

mode_per_request()
{
    local nd=$dispatch_records nc=5000 dfile cfile before s reqs user sys duser dsys
    local calls dcalls wout="$TMPD/wrk.out" secs=5 t c l o dt dc dl dours

    [ "$quick" = 0 ] || { nc=1000; secs=2; }
    WORKDIR=${workdir:-$BUILD/workloads}
    mkdir -p "$WORKDIR"
    dfile=$(workload lambda "$nd")
    cfile=$(workload lambda "$nc")
    start_nginx
    build_peer_libcurl
    echo
    echo "a2a-recover per request: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
        "$(curl-config --version 2>/dev/null || echo libcurl)"
    echo
    echo "| client | requests | CPU a request (user + system) | system calls a request |"
    echo "|---|---:|---|---:|"
    # CPU time: a dispatch run less a dry run of the same input.
    before=$(nginx_requests)
    python3 "$BENCH/rusage.py" "$TMPD/time" "$A2A" -q --no-progress -j 16 -u "$URL" "$dfile" \
        >/dev/null 2>&1 || true
    reqs=$(served "$before")
    read -r _ user sys < <(tail -n 1 "$TMPD/time")
    python3 "$BENCH/rusage.py" "$TMPD/time" "$A2A" -n -q "$dfile" >/dev/null 2>&1 || true
    read -r _ duser dsys < <(tail -n 1 "$TMPD/time")
    strace -c -f -o "$TMPD/strace" "$A2A" -q --no-progress -j 16 -u "$URL" "$dfile" \
        >/dev/null 2>&1 || true
    calls=$(syscalls_of "$TMPD/strace")
    strace -c -f -o "$TMPD/strace" "$A2A" -n -q "$dfile" >/dev/null 2>&1 || true
    dcalls=$(syscalls_of "$TMPD/strace")
    awk -v r="$reqs" -v u="$user" -v s="$sys" -v du="$duser" -v ds="$dsys" -v c="$calls" \
        -v dc="$dcalls" 'BEGIN { printf "| a2a-recover -j 16 | %d | %.1f + %.1f us | %.2f |\n",
            r, (u - du) * 1e6 / r, (s - ds) * 1e6 / r, (c - dc) / r }'
    python3 "$BENCH/rusage.py" "$TMPD/time" "$PEER_LIBCURL" "$URL" "$reqs" 16 >/dev/null 2>&1 || true
    read -r _ user sys < <(tail -n 1 "$TMPD/time")
    strace -c -f -o "$TMPD/strace" "$PEER_LIBCURL" "$URL" "$reqs" 16 >/dev/null 2>&1 || true
    calls=$(syscalls_of "$TMPD/strace")
    awk -v r="$reqs" -v u="$user" -v s="$sys" -v c="$calls" \
        'BEGIN { printf "| libcurl floor, 16 connections | %d | %.1f + %.1f us | %.2f |\n",
            r, u * 1e6 / r, s * 1e6 / r, c / r }'
    python3 "$BENCH/rusage.py" "$TMPD/time" wrk -t 2 -c 16 -d "${secs}s" -s "$BENCH/post.lua" \
        "$URL" >"$wout" 2>&1 || true
    reqs=$(awk '/requests in/ { print $1 }' "$wout")
    read -r _ user sys < <(tail -n 1 "$TMPD/time")
    strace -c -f -o "$TMPD/strace" wrk -t 2 -c 16 -d "${secs}s" -s "$BENCH/post.lua" "$URL" \
        >"$wout.2" 2>&1 || true
    calls=$(syscalls_of "$TMPD/strace")
    awk -v r="$reqs" -v u="$user" -v s="$sys" -v c="$calls" \
        -v r2="$(awk '/requests in/ { print $1 }' "$wout.2")" \
        'BEGIN { printf "| wrk, 16 connections | %d | %.1f + %.1f us | %.2f |\n",
            r, u * 1e6 / r, s * 1e6 / r, c / r2 }'
    echo
    echo "| client (callgrind) | requests | instructions a request | libcurl | libc | a2a-recover |"
    echo "|---|---:|---:|---:|---:|---:|"
    before=$(nginx_requests)
    valgrind --tool=callgrind --callgrind-out-file="$TMPD/cg.disp" "$A2A" -q --no-progress \
        -j 16 -u "$URL" "$cfile" >/dev/null 2>&1 || true
    reqs=$(served "$before")
    valgrind --tool=callgrind --callgrind-out-file="$TMPD/cg.dry" "$A2A" -n -q "$cfile" \
        >/dev/null 2>&1 || true
    read -r t c l o < <(callgrind_split "$TMPD/cg.disp")
    read -r dt dc dl dours < <(callgrind_split "$TMPD/cg.dry")
    awk -v r="$reqs" -v t="$((t - dt))" -v c="$((c - dc))" -v l="$((l - dl))" \
        -v o="$((o - dours))" 'BEGIN { printf "| a2a-recover -j 16 | %d | %d | %d | %d | %d |\n",
            r, t / r, c / r, l / r, o / r }'
    valgrind --tool=callgrind --callgrind-out-file="$TMPD/cg.floor" "$PEER_LIBCURL" "$URL" "$reqs" 16 \
        >/dev/null 2>&1 || true
    read -r t c l o < <(callgrind_split "$TMPD/cg.floor")
    awk -v r="$reqs" -v t="$t" -v c="$c" -v l="$l" -v o="$o" 'BEGIN {
        printf "| libcurl floor, 16 connections | %d | %d | %d | %d | %d |\n",
            r, t / r, c / r, l / r, o / r }'
    valgrind --tool=callgrind --callgrind-out-file="$TMPD/cg.wrk" wrk -t 1 -c 16 -d "${secs}s" \
        -s "$BENCH/post.lua" "$URL" >"$wout" 2>&1 || true
    reqs=$(awk '/requests in/ { print $1 }' "$wout")
    read -r t c l o < <(callgrind_split "$TMPD/cg.wrk")
    awk -v r="$reqs" -v t="$t" -v l="$l" 'BEGIN {
        printf "| wrk, 16 connections, 1 thread | %d | %d | - | %d | - |\n", r, t / r, l / r }'
    echo
    echo "a2a-recover's figures are a dispatch run's less a dry run's of the same input;"
    echo "the libcurl floor's (scripts/bench/peer_libcurl.c, as many requests) and wrk's are"
    echo "their whole process (start-up included) over their requests."
}

install_missing
[ "$mode" != table ] || install_node_modules
build
RESULTS="$TMPD/results.tsv" # one row a measurement, for table.py
SAMPLES="$TMPD/dry-samples.tsv" # every wall time of the dry-run rows: run, key, seconds
: >"$RESULTS"
: >"$SAMPLES"
case $mode in
table) mode_table ;;
memory) mode_memory ;;
scaling) mode_scaling ;;
per_request) mode_per_request ;;
esac
