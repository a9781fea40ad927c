#!/usr/bin/env bash
#
# CLI golden tests for a2a-recover, in the manner of OpenBSD regress and jo's tests.
#
#   bash tests/cli/golden.sh [--valgrind] [--case NAME | --orphans] BINARY TESTDATA_DIR
#
# --case NAME runs that one case (ctest registers each case so); --orphans only looks for
# result files without a .cmd. Without either, every case runs and orphans are looked for.
#
# Every TESTDATA_DIR/NAME.cmd is one case:
#   NAME.cmd    bash fragment that runs the tool, e.g.  $BIN -n "$DATA/event-lambda.json"
#               It runs in an empty scratch directory (also $TMP) with stdin from /dev/null,
#               LC_ALL=C, A2A_RECOVER_URL / A2A_RECOVER_TOKEN and every AWS_* variable unset,
#               AWS_EC2_METADATA_DISABLED=true and HOME the scratch directory. $BIN is the tool,
#               $DATA the TESTDATA_DIR. Its exit status is the case's exit status.
#               Helpers it may call: fail MSG (record a failure), max_rss_kb KB CMD... (run CMD,
#               fail if its peak RSS reaches KB), max_seconds S CMD... (fail if CMD takes longer
#               than S seconds, scaled by GOLDEN_TIME_SCALE). A line "# golden: no-valgrind WHY"
#               skips the case under --valgrind.
#   NAME.out    exact expected stdout (absent: stdout must be empty)
#   NAME.rc     expected exit status (required)
#   NAME.err    grep -E patterns, one a line, each must match stderr ('#' lines: comments)
#   NAME.noerr  grep -E patterns that must not match stderr
# Every case also fails on sanitizer reports in stderr, a timeout, or (with --valgrind)
# a valgrind error or definite/indirect leak.
#
# Prints "ok NAME" or "FAIL NAME (why)" per case, then "N passed, M failed"; exits 1 on any
# failure, 77 when the one --case asked for is skipped under valgrind. Environment: GOLDEN_CASES=ERE runs only the matching case names; GOLDEN_KEEP=1 keeps
# the scratch directories; GOLDEN_TIMEOUT=S per-case limit (default 60, 300 under valgrind).
#
set -u

prog=golden.sh

usage() {
    echo "usage: $prog [--valgrind] [--case NAME | --orphans] BINARY TESTDATA_DIR" >&2
    exit 2
}

die() {
    echo "$prog: $*" >&2
    exit 2
}

valgrind=0
only=""
orphans_only=0
while [ $# -gt 0 ]; do
    case $1 in
    --valgrind)
        valgrind=1
        shift
        ;;
    --case)
        if [ $# -lt 2 ] || [ -z "$2" ]; then
            usage
        fi
        only=$2
        shift 2
        ;;
    --orphans)
        orphans_only=1
        shift
        ;;
    *) break ;;
    esac
done
[ $# -eq 2 ] || usage
[ -z "$only" ] || [ "$orphans_only" -eq 0 ] || usage

case $1 in
/*) bin=$1 ;;
*) bin=$PWD/$1 ;;
esac
if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
    die "$1: not an executable file"
fi
[ -d "$2" ] || die "$2: not a directory"
data=$(cd "$2" && pwd -P) || die "$2: cannot enter"

if [ "$valgrind" -eq 1 ]; then
    command -v valgrind >/dev/null 2>&1 || die "--valgrind: valgrind not found"
    case_timeout=${GOLDEN_TIMEOUT:-300}
else
    case_timeout=${GOLDEN_TIMEOUT:-60}
fi
have_timeout=0
command -v timeout >/dev/null 2>&1 && have_timeout=1

work=$(mktemp -d "${TMPDIR:-/tmp}/a2a-golden.XXXXXX") || die "cannot create a scratch directory"
cleanup() {
    if [ "${GOLDEN_KEEP:-0}" = 1 ]; then
        echo "# scratch kept in $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Helpers available to the .cmd fragments.
cat >"$work/helpers.sh" <<'EOF'
fail() {
    printf '%s\n' "$*" >>"$GOLDEN_FAILS"
}

# max_rss_kb LIMIT CMD...: runs CMD (redirections apply to it); fails when its peak resident
# set reaches LIMIT kilobytes. Returns CMD's exit status.
max_rss_kb() {
    local limit=$1 f rc kb
    shift
    if [ ! -x /usr/bin/time ]; then
        printf '%s\n' "no /usr/bin/time: peak memory not checked" >>"$GOLDEN_NOTES"
        "$@"
        return
    fi
    f=$(mktemp "$GOLDEN_TMP/.rss.XXXXXX")
    /usr/bin/time -f %M -o "$f" "$@"
    rc=$?
    kb=$(tail -n 1 "$f")
    case $kb in
    '' | *[!0-9]*) fail "could not measure peak memory: $(tr '\n' ' ' <"$f")" ;;
    *) [ "$kb" -lt "$limit" ] || fail "peak RSS $kb KB, limit $limit KB" ;;
    esac
    rm -f "$f"
    return $rc
}

# max_seconds LIMIT CMD...: fails when CMD takes longer than LIMIT * GOLDEN_TIME_SCALE seconds.
max_seconds() {
    local limit=$1 t0 t1 rc ms
    shift
    t0=$(date +%s%N)
    "$@"
    rc=$?
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    limit=$((limit * ${GOLDEN_TIME_SCALE:-1} * 1000))
    [ "$ms" -le "$limit" ] || fail "took $ms ms, limit $limit ms"
    return $rc
}
EOF

# $BIN is expanded unquoted in the fragments: give it a path without white space.
mkdir "$work/bin" || die "cannot create $work/bin"
ln -s "$bin" "$work/bin/a2a-recover" || die "cannot link $bin"
bin=$work/bin/a2a-recover

# Under --valgrind, $BIN is a wrapper that runs the binary under valgrind with its report in a
# file, so that stderr stays the tool's own and a valgrind error is noticed even when a case
# post-processes the exit status.
run_bin=$bin
if [ "$valgrind" -eq 1 ]; then
    mkdir "$work/vg" || die "cannot create $work/vg"
    cat >"$work/vg/a2a-recover" <<EOF
#!/bin/sh
valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect -q \\
    --log-file="\$GOLDEN_TMP/.valgrind.%p" '$bin' "\$@"
rc=\$?
if [ \$rc -eq 99 ]; then
    printf '%s\n' "valgrind reported errors" >>"\$GOLDEN_FAILS"
fi
exit \$rc
EOF
    chmod +x "$work/vg/a2a-recover"
    run_bin=$work/vg/a2a-recover
fi

indent() {
    sed -e 's/^/#   /' | head -n "${1:-20}"
}

passed=0
failed=0
skipped=0
LC_ALL=C
export LC_ALL

# Result files without a .cmd are typos: report them (once, not in every --case run).
for f in "$data"/*.out "$data"/*.rc "$data"/*.err "$data"/*.noerr; do
    [ -z "$only" ] || break
    [ -e "$f" ] || continue
    name=${f##*/}
    name=${name%.*}
    if [ ! -f "$data/$name.cmd" ]; then
        echo "FAIL $name (${f##*/} has no $name.cmd)"
        failed=$((failed + 1))
    fi
done
if [ "$orphans_only" -eq 1 ]; then
    echo "$failed result files without a .cmd"
    [ "$failed" -eq 0 ]
    exit
fi
if [ -n "$only" ] && [ ! -f "$data/$only.cmd" ]; then
    die "--case $only: no $only.cmd in $data"
fi

for cmd in "$data"/*.cmd; do
    [ -f "$cmd" ] || continue
    name=${cmd##*/}
    name=${name%.cmd}
    if [ -n "$only" ] && [ "$name" != "$only" ]; then
        continue
    fi
    if [ -n "${GOLDEN_CASES:-}" ] && ! printf '%s\n' "$name" | grep -Eq -- "$GOLDEN_CASES"; then
        continue
    fi
    if [ "$valgrind" -eq 1 ]; then
        why=$(sed -n 's/^# golden: no-valgrind *//p' "$cmd" | head -n 1)
        why=${why#(}
        why=${why%)}
        if grep -q '^# golden: no-valgrind' "$cmd"; then
            echo "skip $name (not run under valgrind: ${why:-too big})"
            skipped=$((skipped + 1))
            continue
        fi
    fi

    dir=$work/cases/$name
    mkdir -p "$dir" || die "cannot create $dir"
    reasons=()
    details=""

    if [ ! -f "$data/$name.rc" ]; then
        echo "FAIL $name (no $name.rc)"
        failed=$((failed + 1))
        continue
    fi
    want_rc=$(tr -d ' \t\r\n' <"$data/$name.rc")
    case $want_rc in
    '' | *[!0-9]*)
        echo "FAIL $name ($name.rc does not hold an exit status)"
        failed=$((failed + 1))
        continue
        ;;
    esac

    : >"$dir/.fails"
    : >"$dir/.notes"
    {
        printf '. %q\n' "$work/helpers.sh"
        printf 'cd %q || exit 125\n' "$dir"
        printf '. %q\n' "$cmd"
    } >"$dir/.run.sh"
    runner=(bash "$dir/.run.sh")
    if [ "$have_timeout" -eq 1 ]; then
        runner=(timeout -k 5 "$case_timeout" bash "$dir/.run.sh")
    fi
    (
        cd "$dir" || exit 125
        unset A2A_RECOVER_URL A2A_RECOVER_TOKEN
        # Loopback only: no credentials, profile or endpoint of this machine reach a case,
        # and the instance metadata service is never asked (on-failure records name a stream).
        for v in $(compgen -e); do
            case $v in AWS_*) unset "$v" ;; esac
        done
        export AWS_EC2_METADATA_DISABLED=true HOME="$dir"
        export BIN="$run_bin" DATA="$data" TMP="$dir" GOLDEN_TMP="$dir" \
            GOLDEN_FAILS="$dir/.fails" GOLDEN_NOTES="$dir/.notes"
        exec "${runner[@]}"
    ) </dev/null >"$dir/.stdout" 2>"$dir/.stderr"
    rc=$?

    if [ "$have_timeout" -eq 1 ] && { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } &&
        [ "$rc" != "$want_rc" ]; then
        reasons+=("timed out after ${case_timeout}s")
    elif [ "$rc" != "$want_rc" ]; then
        if [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then
            reasons+=("exit $rc (killed by signal $((rc - 128))?), expected $want_rc")
        else
            reasons+=("exit $rc, expected $want_rc")
        fi
    fi

    if [ -f "$data/$name.out" ]; then
        if ! cmp -s "$data/$name.out" "$dir/.stdout"; then
            reasons+=("stdout differs")
            details+="# stdout diff (expected vs actual):"$'\n'
            details+=$(diff -u "$data/$name.out" "$dir/.stdout" | tail -n +3 | indent 20)$'\n'
        fi
    elif [ -s "$dir/.stdout" ]; then
        reasons+=("stdout not empty")
        details+="# stdout:"$'\n'$(indent 10 <"$dir/.stdout")$'\n'
    fi

    if [ -f "$data/$name.err" ]; then
        while IFS= read -r pat || [ -n "$pat" ]; do
            case $pat in '' | '#'*) continue ;; esac
            grep -aEq -e "$pat" "$dir/.stderr" || reasons+=("stderr lacks /$pat/")
        done <"$data/$name.err"
    fi
    if [ -f "$data/$name.noerr" ]; then
        while IFS= read -r pat || [ -n "$pat" ]; do
            case $pat in '' | '#'*) continue ;; esac
            ! grep -aEq -e "$pat" "$dir/.stderr" || reasons+=("stderr has /$pat/")
        done <"$data/$name.noerr"
    fi
    if grep -aEq 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' \
        "$dir/.stderr"; then
        reasons+=("sanitizer report in stderr")
    fi

    while IFS= read -r why; do
        [ -n "$why" ] && reasons+=("$why")
    done <"$dir/.fails"
    if [ "$valgrind" -eq 1 ]; then
        for log in "$dir"/.valgrind.*; do
            [ -s "$log" ] || continue
            if grep -q 'valgrind reported errors' "$dir/.fails"; then
                details+="# ${log##*/}:"$'\n'$(indent 40 <"$log")$'\n'
            fi
        done
    fi

    while IFS= read -r note; do
        [ -n "$note" ] && echo "# $name: $note"
    done <"$dir/.notes"
    if [ ${#reasons[@]} -eq 0 ]; then
        echo "ok $name"
        passed=$((passed + 1))
    else
        why=$(printf '%s; ' "${reasons[@]}")
        echo "FAIL $name (${why%; })"
        printf '%s' "$details"
        if [ -s "$dir/.stderr" ]; then
            echo "# stderr:"
            indent 15 <"$dir/.stderr"
        fi
        failed=$((failed + 1))
    fi
done

if [ "$skipped" -gt 0 ]; then
    echo "# $skipped cases skipped under valgrind"
    if [ -n "$only" ]; then
        exit 77
    fi
fi
if [ $((passed + failed)) -eq 0 ]; then
    echo "$prog: no cases found in $data" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
