#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each for a while.
#
#   scripts/fuzz.sh [SECONDS] [--jobs N]
#
#   SECONDS   fuzzing time per target (default 60)
#   --jobs N  targets fuzzed at the same time (default 1: one after the other)
#
# Environment: BUILD_DIR (default build-fuzz), CC (default clang-14, else clang),
# FUZZ_TARGETS (default "fuzz_input fuzz_record fuzz_items"), FUZZ_NICE (e.g. 19: run niced).
#
# The work corpus (build-fuzz/corpus-<target>) is not committed and grows from run to run;
# it is seeded from testdata/ (and scripts/gen-batch.py) every time. Crash inputs are first
# replayed from testdata/fuzz-regressions/<target>/. Prints executions and coverage per target;
# exits 1 when a crash, leak or timeout was found (the crash file is named in the output),
# 2 on a usage error, 3 when the build failed.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD

usage() {
    echo "usage: scripts/fuzz.sh [SECONDS] [--jobs N]" >&2
    exit 2
}

duration=60
jobs=1
while [ $# -gt 0 ]; do
    case $1 in
    --jobs)
        [ $# -ge 2 ] || usage
        jobs=$2
        shift 2
        ;;
    --jobs=*)
        jobs=${1#--jobs=}
        shift
        ;;
    -h | --help)
        sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    [0-9]*)
        duration=$1
        shift
        ;;
    *)
        usage
        ;;
    esac
done
case $duration$jobs in
*[!0-9]*) usage ;;
esac
[ "$jobs" -ge 1 ] || usage

build=${BUILD_DIR:-$root/build-fuzz}
targets=${FUZZ_TARGETS:-"fuzz_input fuzz_record fuzz_items"}
nice_cmd=()
if [ -n "${FUZZ_NICE:-}" ]; then
    nice_cmd=(nice -n "$FUZZ_NICE")
fi

# can_fuzz CC: CC compiles and links a libFuzzer target with the sanitizers.
can_fuzz() {
    local cc=$1 probe
    command -v "$cc" >/dev/null 2>&1 || return 1
    probe=$(mktemp -d)
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        >"$probe/p.c"
    if "$cc" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
        rm -rf "$probe"
        return 0
    fi
    rm -rf "$probe"
    return 1
}

# $CC when given, else the first of clang-14, clang; each is probed once.
cc=
if [ -n "${CC:-}" ]; then
    candidates=("$CC")
else
    candidates=(clang-14 clang)
fi
for c in "${candidates[@]}"; do
    if can_fuzz "$c"; then
        cc=$c
        break
    fi
done
if [ -z "$cc" ]; then
    # None does: Debian's clang-14 and its runtime (setup.sh says what it installs).
    scripts/setup.sh --install clang-14 libclang-rt-14-dev
    cc=clang-14
    can_fuzz "$cc" || {
        echo "fuzz.sh: $cc cannot link -fsanitize=fuzzer" >&2
        exit 3
    }
fi

# The core builds clean under clang too: warnings stay errors here.
if ! CC=$cc cmake -S "$root" -B "$build" -DA2A_FUZZ=ON -DBUILD_TESTING=OFF -DA2A_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build.configure.log" 2>&1; then
    cat "$build.configure.log" >&2
    exit 3
fi
# shellcheck disable=SC2086
if ! cmake --build "$build" -j2 --target $targets >"$build.build.log" 2>&1; then
    tail -n 40 "$build.build.log" >&2
    exit 3
fi
rm -f "$build.configure.log" "$build.build.log"

# Seeds: every testdata input (prefixed with configuration bytes for fuzz_input), generated
# batches of each shape, and the NewImage objects found in them (for fuzz_record).
seed_dir=$build/seeds
rm -rf "$seed_dir"
mkdir -p "$seed_dir/gen"
if [ -f scripts/gen-batch.py ]; then
    for shape in lambda ndjson pages array; do
        python3 scripts/gen-batch.py --records 12 --shape "$shape" --page-size 5 --tasks 3 \
            --seed 7 --malformed-frac 0.25 --modify-frac 0.15 --remove-frac 0.1 \
            --out "$seed_dir/gen/$shape.json" 2>/dev/null || true
    done
fi
python3 - "$root/testdata" "$seed_dir/gen" "$seed_dir" <<'EOF'
import hashlib, json, os, sys

sources, out = sys.argv[1:-1], sys.argv[-1]
MAX = 65536 - 1

def save(target, data):
    if len(data) > MAX:
        return
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)

def documents(data):
    text = data.decode("utf-8", "replace")
    dec, i, docs = json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i >= len(text):
            return docs
        try:
            doc, i = dec.raw_decode(text, i)
        except ValueError:
            return docs
        docs.append(doc)

def images(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "NewImage":
                yield x
            yield from images(x)
    elif isinstance(v, list):
        for x in v:
            yield from images(x)

for src in sources:
    for dirpath, dirnames, files in os.walk(src):
        dirnames[:] = [d for d in dirnames if d != "fuzz-regressions"]
        for name in files:
            try:
                with open(os.path.join(dirpath, name), "rb") as f:
                    data = f.read(1 << 20)
            except OSError:
                continue
            for conf in (b"\x00", b"\x01", b"\x0e"):  # chunk 1; chunk 7; 4096 + raw + log
                save("fuzz_input", conf + data)
            for conf in (b"\x00", b"\x03"):  # chunk 1; at once
                save("fuzz_items", conf + data)
            for doc in documents(data):
                for img in images(doc):
                    save("fuzz_record", json.dumps(img, separators=(",", ":")).encode())

valid = {"tenant": {"S": "acme"}, "taskId": {"S": "t-1"}, "owner": {"S": "alice"},
         "eventSequence": {"N": "7"}, "recordedAtMicros": {"N": "1795687200000000"}}
for seq, micros, tenant in [("+007", "-5", "a\\u00e9\\ud83d\\ude00"), ("0000", "+0", "x\\r\\ny"),
                            ("18446744073709551615", "-9223372036854775808", "\\u0041"),
                            ("18446744073709551616", "9223372036854775807", "")]:
    img = json.dumps(dict(valid, eventSequence={"N": seq}, recordedAtMicros={"N": micros}))
    save("fuzz_record", img.replace('"acme"', '"%s"' % tenant).encode())
save("fuzz_record", json.dumps(valid).encode())
rec = json.dumps({"eventName": "INSERT", "dynamodb": {"SequenceNumber": "9", "NewImage": valid}})
for conf in (b"\x00", b"\x02", b"\x07", b"\x13"):
    save("fuzz_input", conf + ('{"Records":[%s,%s]}\n%s\n[%s]' % (rec, rec, rec, rec)).encode())
# The reader's edges: depth limit, duplicate Records, truncation, non-events, escaped names.
for text in ["[" * 513 + "]" * 513, '{"Records":[%s]}' % ("[" * 511 + "]" * 511),
             '{"Records":[],"Records":[]}', '{"Records":{}}', '{"Records":[%s' % rec,
             '{"a":1}', '"text"', "  \n", "", '{"x":1,"Records":[%s]}' % rec,
             '{"\\u0052ecords":[%s]}' % rec, '{"event\\u004eame":"MODIFY"}\n{"dynamodb":null}',
             '[{"eventName":"INSERT","dynamodb":{"SequenceNumber":"5","SequenceNumber":"6"}}]',
             '[{"eventName":"REMOVE","eventName":"INSERT"},1,"x",[],null]',
             '{"eventName":"INSERT","dynamodb":{"SequenceNumber":"\\ud800"}}']:
    for conf in (b"\x00", b"\x02", b"\x1b"):
        save("fuzz_input", conf + text.encode())
EOF

mkdir -p "$build/artifacts"
dict=$root/tests/fuzz/json.dict

# Runs one target; writes its log and a one-line summary. Returns libFuzzer's status.
fuzz_one() {
    local name=$1 bin=$build/tests/fuzz/$1 corpus=$build/corpus-$1 log=$build/$1.log
    local regress=$root/testdata/fuzz-regressions/$1 rc=0 started ended
    local -a cases=()

    mkdir -p "$corpus" "$seed_dir/$name"
    if [ -d "$regress" ]; then
        mapfile -t cases < <(find "$regress" -type f | sort)
    fi
    if [ ${#cases[@]} -gt 0 ]; then
        if ! "$bin" -timeout=10 -rss_limit_mb=2048 "${cases[@]}" >"$build/$name.regress.log" 2>&1; then
            echo "$name: a regression input fails again:" >&2
            tail -n 60 "$build/$name.regress.log" >&2
            return 1
        fi
    fi
    started=$(date +%s)
    "${nice_cmd[@]}" "$bin" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -max_total_time="$duration" -print_final_stats=1 -dict="$dict" \
        -artifact_prefix="$build/artifacts/$name-" "$corpus" "$seed_dir/$name" >"$log" 2>&1 || rc=$?
    ended=$(date +%s)
    local execs cov ft corp
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -E ' cov: [0-9]+' "$log" | tail -n 1 || true)
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$cov")
    corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$cov")
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$cov")
    printf '%s: %s s, %s executions, cov %s, ft %s, corpus %s units/bytes (status %d)\n' \
        "$name" $((ended - started)) "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$rc" \
        >"$build/$name.summary"
    if [ "$rc" -ne 0 ]; then
        {
            echo "$name: libFuzzer stopped with status $rc; log: $log"
            grep -E '^==[0-9]+==ERROR|SUMMARY:|invariant violated|Test unit written to|ALARM|Timeout|out-of-memory|LeakSanitizer' "$log" || true
            tail -n 60 "$log"
        } >"$build/$name.failure"
    fi
    return "$rc"
}

status=0
running=0
for name in $targets; do
    rm -f "$build/$name.summary" "$build/$name.failure" "$build/$name.rc"
    (
        rc=0
        fuzz_one "$name" || rc=$?
        echo "$rc" >"$build/$name.rc"
    ) &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait
for name in $targets; do
    if [ -f "$build/$name.summary" ]; then
        cat "$build/$name.summary"
    fi
    if [ -f "$build/$name.failure" ]; then
        cat "$build/$name.failure" >&2
    fi
    if [ "$(cat "$build/$name.rc" 2>/dev/null || echo 1)" != 0 ]; then
        status=1
    fi
done
exit "$status"
