#!/usr/bin/env bash
#
# check-docs.sh BINARY SOURCE_DIR
#
# Keeps the option table in cli/options.c (the source of truth), `BINARY --help`, the manual
# man/a2a-recover.1 and the bash completion scripts/a2a-recover.bash-completion in step, lints
# the manual, and checks the --help / unknown-option behaviour. Every difference is listed.
# Ends with "N passed, M failed"; exits 1 when anything failed.
#
# check-docs.sh --self-test BINARY SOURCE_DIR
#
# Proves the checks can fail: runs the check on copies of the sources, each with one
# deliberate drift, and expects every one to be caught (and the unmodified copy to pass).

set -u
export LC_ALL=C

usage()
{
    echo "usage: check-docs.sh [--self-test] BINARY SOURCE_DIR" >&2
    exit 2
}

self_test=0
if [[ ${1-} == --self-test ]]; then
    self_test=1
    shift
fi
[[ $# -eq 2 ]] || usage
bin=$1
src=$2
[[ -x $bin ]] || { echo "check-docs.sh: $bin: not an executable" >&2; exit 2; }
[[ -d $src ]] || { echo "check-docs.sh: $src: not a directory" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-docs.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=tests/lib/checks.sh
. "$(dirname "$0")/../lib/checks.sh"

# same_set DESCRIPTION LABEL_A FILE_A LABEL_B FILE_B: one item a line; lists what differs.
same_set()
{
    local what=$1 la=$2 fa=$3 lb=$4 fb=$5 only_a only_b details=

    sort -u "$fa" -o "$fa"
    sort -u "$fb" -o "$fb"
    if [[ ! -s $fa || ! -s $fb ]]; then
        not_ok "$what" "nothing extracted from $([[ -s $fa ]] && echo "$lb" || echo "$la")"
        return
    fi
    only_a=$(comm -23 "$fa" "$fb" | tr '\n' ' ')
    only_b=$(comm -13 "$fa" "$fb" | tr '\n' ' ')
    if [[ -z $only_a && -z $only_b ]]; then
        ok "$what"
        return
    fi
    [[ -n $only_a ]] && details+="only in $la: $only_a"$'\n'
    [[ -n $only_b ]] && details+="only in $lb: $only_b"
    not_ok "$what" "${details%$'\n'}"
}

if ((self_test)); then
    # One drift per case: "name|file relative to the copy|sed expression".
    cases=(
        "fake option in the table|cli/options.c|s/^    {\"cacert\", required_argument, NULL, OPT_CACERT},/&\\n    {\"fake-opt\", no_argument, NULL, OPT_INSECURE},/"
        "short option added to short_options|cli/options.c|s/short_options\\[\\] = \":/&Z/"
        "option dropped from the manual|man/a2a-recover.1|/^\\.It Fl -rate Ar n\$/d"
        "argument dropped from a manual entry|man/a2a-recover.1|s/^\\.It Fl -retries Ar n\$/.It Fl -retries/"
        "manual SYNOPSIS drifted from usage()|man/a2a-recover.1|/^\\.Op Fl -no-progress\$/d"
        "manual lint error|man/a2a-recover.1|s/^\\.Sh SEE ALSO\$/.Sh SEE ALSO\\n.Xr/"
        "option dropped from the completion|scripts/a2a-recover.bash-completion|s/ --verbose / /"
        "value option missing from a completion case|scripts/a2a-recover.bash-completion|s/^    --log-format)\$/    --log-formatx)/"
        "short option missing from the completion|scripts/a2a-recover.bash-completion|s/ -q / /"
        "exit status missing from the manual|man/a2a-recover.1|/^\\.It 143\$/,+2d"
        "report outcome missing from the manual|man/a2a-recover.1|s/^\\.It Cm not_attempted\$/.It Cm not-attempted/"
        "once-only option missing from the manual's list|man/a2a-recover.1|/^\\.Fl -cacert ,\$/d"
        "once-only option added to once_only[] only|cli/options.c|s/^    OPT_PROFILE,\$/&\\n    OPT_RATE,/"
    )
    copy()
    {
        rm -rf "$tmp/src"
        mkdir -p "$tmp/src/cli" "$tmp/src/core" "$tmp/src/man" "$tmp/src/scripts"
        cp "$src"/cli/*.c "$tmp/src/cli/" && cp "$src"/core/*.[ch] "$tmp/src/core/" &&
            cp "$src/man/a2a-recover.1" "$tmp/src/man/" &&
            cp "$src/scripts/a2a-recover.bash-completion" "$tmp/src/scripts/"
    }
    copy || exit 2
    if out=$(bash "$0" "$bin" "$tmp/src" 2>&1); then
        ok "unmodified copy passes"
    else
        not_ok "unmodified copy passes" "$(grep -A3 '^FAIL' <<<"$out")"
    fi
    for c in "${cases[@]}"; do
        IFS='|' read -r name file expr <<<"$c"
        copy || exit 2
        sed -i -e "$expr" "$tmp/src/$file"
        if cmp -s "$src/$file" "$tmp/src/$file"; then
            not_ok "$name" "the sed expression changed nothing in $file: fix the self-test"
            continue
        fi
        if out=$(bash "$0" "$bin" "$tmp/src" 2>&1); then
            not_ok "$name is caught" "the check passed on the modified copy"
        else
            ok "$name is caught ($(grep -c '^FAIL' <<<"$out") failing check(s))"
        fi
    done
    checks_done
    exit
fi

options_c=$src/cli/options.c
man=$src/man/a2a-recover.1
comp=$src/scripts/a2a-recover.bash-completion
for f in "$options_c" "$man" "$comp"; do
    [[ -r $f ]] || { echo "check-docs.sh: $f: cannot read" >&2; exit 2; }
done

# ---------------------------------------------------------------------------------------------
# The option table: "long short has_arg" lines (short is "-" for long-only options).
sed -n '/long_options\[\] = {/,/^};/p' "$options_c" |
    sed -nE 's/^[[:space:]]*\{"([^"]+)",[[:space:]]*([a-z_]+),[[:space:]]*[^,]+,[[:space:]]*([^}]+)\}.*/\1 \2 \3/p' |
    while read -r long has val; do
        short=-
        [[ $val =~ ^\'(.)\'$ ]] && short=${BASH_REMATCH[1]}
        case $has in
        no_argument) has=0 ;;
        required_argument) has=1 ;;
        *) has=2 ;;
        esac
        echo "$long $short $has"
    done >"$tmp/table"

# short_options: "letter has_arg" lines.
shortstr=$(sed -nE 's/.*short_options\[\] = "([^"]*)".*/\1/p' "$options_c")
shortstr=${shortstr#:}
: >"$tmp/shortstr"
for ((i = 0; i < ${#shortstr}; i++)); do
    ch=${shortstr:i:1}
    [[ $ch == : ]] && continue
    has=0
    [[ ${shortstr:i+1:1} == : ]] && has=1
    [[ ${shortstr:i+1:2} == :: ]] && has=2
    echo "$ch $has" >>"$tmp/shortstr"
done

# ---------------------------------------------------------------------------------------------
# --help: exit 0, on stdout, nothing on stderr.
"$bin" --help >"$tmp/help" 2>"$tmp/help.err"
rc=$?
if [[ $rc -eq 0 && -s $tmp/help && ! -s $tmp/help.err ]]; then
    ok "--help exits 0 and writes to stdout only"
else
    not_ok "--help exits 0 and writes to stdout only" \
        "exit $rc, stdout $(wc -c <"$tmp/help") bytes, stderr: $(head -c 300 "$tmp/help.err")"
fi

# Unknown options: exit 2, the hint on stderr, stdout empty.
unknown_short=
for ch in Z Y X W K k z y; do
    if ! grep -q "^$ch " "$tmp/shortstr"; then
        unknown_short=-$ch
        break
    fi
done
for bad in --no-such-option "$unknown_short"; do
    "$bin" "$bad" >"$tmp/bad.out" 2>"$tmp/bad.err" </dev/null
    rc=$?
    if [[ $rc -eq 2 && ! -s $tmp/bad.out ]] && grep -qF "Try 'a2a-recover --help'" "$tmp/bad.err"; then
        ok "unknown option $bad exits 2 with the --help hint"
    else
        not_ok "unknown option $bad exits 2 with the --help hint" \
            "exit $rc, stdout $(wc -c <"$tmp/bad.out") bytes, stderr: $(head -c 300 "$tmp/bad.err")"
    fi
done

# --help fits an 80-column terminal.
wide=$(awk 'length > 80 { printf "line %d (%d columns): %s\n", NR, length, $0 }' "$tmp/help")
if [[ -z $wide ]]; then
    ok "--help lines fit in 80 columns"
else
    not_ok "--help lines fit in 80 columns" "$wide"
fi

# Option lines of --help: "  -j, --concurrency N   text" or "      --cacert FILE   text";
# an argument follows the name after one space, the description after two or more.
re='^ +(-([A-Za-z]), +)?--([a-z][a-z0-9-]*)( ([^ ]+))?(  |$)'
while IFS= read -r line; do
    if [[ $line =~ $re ]]; then
        has=0
        [[ -n ${BASH_REMATCH[5]} ]] && has=1
        echo "${BASH_REMATCH[3]} ${BASH_REMATCH[2]:--} $has"
    fi
done <"$tmp/help" >"$tmp/help.opts"
# The usage synopsis: from the first line to the first blank one, without "usage:".
sed '/^$/q' "$tmp/help" | sed '1s/^usage:[[:space:]]*//' | tr -s ' \n' '  ' |
    sed 's/^ *//; s/ *$//' >"$tmp/help.synopsis"

# ---------------------------------------------------------------------------------------------
# The manual's OPTIONS section: top-level ".It" lines -> "long short has_arg".
awk '
    /^\.Sh / { sec = substr($0, 5); depth = 0; next }
    sec != "OPTIONS" { next }
    /^\.Bl/ { depth++; next }
    /^\.El/ { depth--; next }
    depth == 1 && /^\.It / {
        long = "-"; short = "-"; has = 0
        for (i = 2; i <= NF; i++) {
            if ($i == "Ar" || $i == "Cm") { has = 1 }
            if ($i != "Fl") { continue }
            name = "-"
            j = i + 1
            while (j <= NF && $j == "Fl") { name = name "-"; j++ }
            arg = $j
            gsub(/\\-/, "-", arg)
            name = name arg
            i = j
            if (name ~ /^--[a-z]/) { long = substr(name, 3) }
            else if (name ~ /^-[A-Za-z]$/) { short = substr(name, 2) }
            else { print "unparsed " name > "/dev/stderr" }
        }
        print long, short, has
    }' "$man" >"$tmp/man.opts"

# ---------------------------------------------------------------------------------------------
# Long option names.
cut -d' ' -f1 "$tmp/table" >"$tmp/a"
cut -d' ' -f1 "$tmp/help.opts" >"$tmp/b"
same_set "long options: option table = --help" "options.c" "$tmp/a" "--help" "$tmp/b"
cut -d' ' -f1 "$tmp/table" >"$tmp/a"
cut -d' ' -f1 "$tmp/man.opts" | grep -v '^-$' >"$tmp/b"
same_set "long options: option table = manual OPTIONS" "options.c" "$tmp/a" "manual" "$tmp/b"
cut -d' ' -f1 "$tmp/table" >"$tmp/a"
grep -v '^[[:space:]]*#' "$comp" | grep -oE -- '--[a-z][a-z0-9-]*' | sed 's/^--//' >"$tmp/b"
same_set "long options: option table = bash completion" "options.c" "$tmp/a" "completion" \
    "$tmp/b"

# Short options.
cut -d' ' -f1 "$tmp/shortstr" >"$tmp/a"
cut -d' ' -f2 "$tmp/table" | grep -v '^-$' >"$tmp/b"
same_set "short options: short_options = option table aliases" "short_options" "$tmp/a" \
    "long_options" "$tmp/b"
cut -d' ' -f1 "$tmp/shortstr" >"$tmp/a"
cut -d' ' -f2 "$tmp/help.opts" | grep -v '^-$' >"$tmp/b"
same_set "short options: short_options = --help" "short_options" "$tmp/a" "--help" "$tmp/b"
cut -d' ' -f1 "$tmp/shortstr" >"$tmp/a"
cut -d' ' -f2 "$tmp/man.opts" | grep -v '^-$' >"$tmp/b"
same_set "short options: short_options = manual OPTIONS" "short_options" "$tmp/a" "manual" \
    "$tmp/b"
cut -d' ' -f1 "$tmp/shortstr" >"$tmp/a"
sed -nE "s/^[[:space:]]*local short_opts='([^']*)'.*/\\1/p" "$comp" | tr ' ' '\n' |
    sed -n 's/^-\([A-Za-z]\)$/\1/p' >"$tmp/b"
same_set "short options: short_options = bash completion" "short_options" "$tmp/a" \
    "completion" "$tmp/b"

# Which short letter goes with which long name, and which options take a value.
cut -d' ' -f1,2 "$tmp/table" >"$tmp/a"
cut -d' ' -f1,2 "$tmp/help.opts" >"$tmp/b"
same_set "short/long pairs: option table = --help" "options.c" "$tmp/a" "--help" "$tmp/b"
cut -d' ' -f1,2 "$tmp/table" >"$tmp/a"
cut -d' ' -f1,2 "$tmp/man.opts" >"$tmp/b"
same_set "short/long pairs: option table = manual" "options.c" "$tmp/a" "manual" "$tmp/b"
awk '{ print $1, $3 }' "$tmp/table" >"$tmp/a"
awk '{ print $1, $3 }' "$tmp/help.opts" >"$tmp/b"
same_set "takes a value (name 1/0): option table = --help" "options.c" "$tmp/a" "--help" \
    "$tmp/b"
awk '{ print $1, $3 }' "$tmp/table" >"$tmp/a"
awk '{ print $1, $3 }' "$tmp/man.opts" >"$tmp/b"
same_set "takes a value (name 1/0): option table = manual" "options.c" "$tmp/a" "manual" \
    "$tmp/b"
awk '$2 != "-" { print $2, $3 }' "$tmp/table" >"$tmp/a"
cp "$tmp/shortstr" "$tmp/b"
same_set "takes a value (letter 1/0): long_options = short_options" "long_options" "$tmp/a" \
    "short_options" "$tmp/b"

# The completion must know every option that takes a value (it completes the value, not
# another option): the options named in its case labels.
awk '$3 != 0 { print "--" $1; if ($2 != "-") print "-" $2 }' "$tmp/table" >"$tmp/a"
grep -E '^[[:space:]]*-[-A-Za-z0-9]*( \| -[-A-Za-z0-9]*)*\)' "$comp" |
    sed 's/).*//' | tr '|' '\n' | tr -d ' \t' >"$tmp/b"
same_set "options taking a value: option table = completion case labels" "options.c" "$tmp/a" \
    "completion" "$tmp/b"

# The usage synopsis names every short option and every long-only option.
{
    grep -oE '\[-[A-Za-z]+\]' "$tmp/help.synopsis" | tr -d '[]-' | fold -w1
    grep -oE '(^|[ [|])-[A-Za-z]( |\])' "$tmp/help.synopsis" | tr -d ' []|-'
    grep -oE -- '--[a-z][a-z0-9-]*' "$tmp/help.synopsis"
} >"$tmp/a"
{
    cut -d' ' -f1 "$tmp/shortstr"
    awk '$2 == "-" { print "--" $1 }' "$tmp/table"
} >"$tmp/b"
same_set "usage synopsis: every short and long-only option" "usage()" "$tmp/a" "options.c" \
    "$tmp/b"

# ---------------------------------------------------------------------------------------------
# The manual's SYNOPSIS, rendered, reads as the usage synopsis.
render=
if command -v mandoc >/dev/null; then
    render="mandoc -Tascii"
elif command -v groff >/dev/null; then
    render="groff -mandoc -Tascii -P-cbou"
fi
if [[ -z $render ]]; then
    not_ok "manual SYNOPSIS = usage synopsis" "neither mandoc nor groff is installed"
else
    $render "$man" 2>/dev/null | sed 's/.\x08//g' |
        awk '/^SYNOPSIS/ { on = 1; next } on && /^[^ ]/ { exit } on' | tr -s ' \n' '  ' |
        sed 's/^ *//; s/ *$//' >"$tmp/man.synopsis"
    if [[ -s $tmp/man.synopsis ]] && cmp -s "$tmp/man.synopsis" "$tmp/help.synopsis"; then
        ok "manual SYNOPSIS = usage synopsis"
    else
        not_ok "manual SYNOPSIS = usage synopsis" \
            "manual: $(cat "$tmp/man.synopsis")"$'\n'"usage:  $(cat "$tmp/help.synopsis")"
    fi
fi

# ---------------------------------------------------------------------------------------------
# Facts the manual documents, against the code that defines them.
section_items()
{
    # section_items SECTION MACRO: the first word after ".It MACRO" in a .Sh or .Ss section.
    awk -v sec="$1" -v mac="$2" '
        /^\.S[hs] / { on = (substr($0, 5) == sec); next }
        on && /^\.It / {
            if (mac == "") { print $2 } else if ($2 == mac) { print $3 }
        }' "$man"
}

grep -hoE 'EXIT_[A-Z_]+ = [0-9]+' "$src/cli/main.c" | sed 's/.* = //' >"$tmp/a"
if [[ -s $tmp/a ]]; then
    # 128 + each signal main.c stops on
    grep -oE 'sigaction\(SIG(HUP|INT|TERM),' "$src/cli/main.c" |
        sed -e 's/.*SIGHUP.*/129/' -e 's/.*SIGINT.*/130/' -e 's/.*SIGTERM.*/143/' >>"$tmp/a"
fi
section_items "EXIT STATUS" "" >"$tmp/b"
same_set "exit statuses: cli/main.c = manual EXIT STATUS" "main.c" "$tmp/a" "manual" "$tmp/b"

grep -hoE 'getenv\("[A-Z0-9_]+"\)' "$src"/cli/*.c | sed -E 's/getenv\("(.*)"\)/\1/' >"$tmp/a"
section_items "ENVIRONMENT" "Ev" >"$tmp/b"
same_set "environment: cli getenv() = manual ENVIRONMENT" "cli/*.c" "$tmp/a" "manual" "$tmp/b"

sed -n '/outcome_names\[.*= *{/,/};/p' "$src/core/result.c" | grep -oE '"[a-z_]+"' | tr -d '"' >"$tmp/a"
section_items "REPORT FORMAT" "Cm" >"$tmp/b"
same_set "report outcomes: core/result.c = manual REPORT FORMAT" "result.c" "$tmp/a" "manual" \
    "$tmp/b"

# The writers, and the static helpers that put fields for them (put_*_fields).
sed -n -E '/^(static )?int (a2a_report_write|put_[a-z]+_fields)/,/^}/p' "$src/core/sinks.c" |
    grep -oE '\\"[A-Za-z]+\\":' |
    tr -d '\\":' >"$tmp/a"
section_items "REPORT FORMAT" "Li" >"$tmp/b"
same_set "report fields: core/sinks.c = manual REPORT FORMAT" "sinks.c" "$tmp/a" "manual" \
    "$tmp/b"

# The options given once: once_only[] in cli/options.c = the manual's list in OPTIONS.
sed -n '/long_options\[\] = {/,/^};/p' "$options_c" |
    sed -nE 's/^[[:space:]]*\{"([^"]+)",[^}]*,[[:space:]]*([^},]+)\}.*/\2 \1/p' >"$tmp/codes"
sed -n '/once_only\[\] = {/,/^};/p' "$options_c" | grep -oE "'[a-z]'|OPT_[A-Z_]+" |
    awk 'NR == FNR { name[$1] = $2; next } { print ($1 in name) ? name[$1] : "?" $1 }' \
        "$tmp/codes" - >"$tmp/a"
awk 'NR == FNR { if ($2 != "-") long[$2] = $1; next }
    /^\.Sh OPTIONS$/ { on = 1; next }
    on && /is given once/ { exit }
    on && /^\.(Pf \( )?Fl / {
        for (i = 1; i <= NF; i++) if ($i ~ /^\.?Fl$/) { o = $(i + 1); break }
        if (o ~ /^-/) print substr(o, 2); else print (o in long) ? long[o] : "?" o
    }' "$tmp/table" "$man" >"$tmp/b"
same_set "options given once: cli/options.c once_only[] = the manual's OPTIONS list" \
    "options.c" "$tmp/a" "manual" "$tmp/b"

missing=
while read -r target; do
    grep -qF -- "$target" "$man" || missing+="$target "
done < <(sed -nE 's/^#define A2A_TARGET_[A-Z_]+[[:space:]]+"([^"]+)".*/\1/p' "$src/core/log.h")
if [[ -z $missing ]]; then
    ok "log targets of core/log.h are in the manual"
else
    not_ok "log targets of core/log.h are in the manual" "missing: $missing"
fi

# ---------------------------------------------------------------------------------------------
# Lint. mandoc at warning level: its style notes include "referenced manual not found",
# which depends on what else the machine has installed.
linted=0
if command -v mandoc >/dev/null; then
    linted=1
    out=$(mandoc -Tlint -Wwarning "$man" 2>&1)
    if [[ -z $out ]]; then
        ok "mandoc -Tlint -Wwarning is silent"
    else
        not_ok "mandoc -Tlint -Wwarning is silent" "$out"
    fi
fi
if command -v groff >/dev/null; then
    linted=1
    out=$(groff -mandoc -ww -z "$man" 2>&1)
    if [[ -z $out ]]; then
        ok "groff -mandoc -ww -z is silent"
    else
        not_ok "groff -mandoc -ww -z is silent" "$out"
    fi
fi
# \" starts a roff comment anywhere on a line: inside text it silently cuts the rest away.
out=$(grep -n '\\"' "$man" | grep -v '^[0-9]*:\.\\"')
if [[ -z $out ]]; then
    ok "no roff comment (\\\") after text in the manual (write \\(dq)"
else
    not_ok "no roff comment (\\\") after text in the manual (write \\(dq)" "$out"
fi
if ((!linted)); then
    not_ok "manual lint" "neither mandoc nor groff is installed (apt-get install mandoc)"
fi

# The headers -H refuses (core/request.c) are the ones the manual's -H entry names.
sed -n '/a2a_request_reserved_names\[\] = {/,/};/p' "$src/core/request.c" |
    grep -oE '"[A-Za-z-]+"' | tr -d '"' >"$tmp/a"
awk '/^\.It Fl H Ar header/ { on = 1; next } on && /^\.It / { exit } on' "$man" |
    tr -s ' ,();' '\n' | grep -xE '[A-Z][A-Za-z-]+' >"$tmp/b"
if [[ -s $tmp/a ]] && ! grep -vxF -f "$tmp/b" "$tmp/a" >"$tmp/missing"; then
    ok "headers -H refuses: core/request.c's are named in the manual's -H entry"
else
    not_ok "headers -H refuses: core/request.c's are named in the manual's -H entry" \
        "not named: $(tr '\n' ' ' <"$tmp/missing")"
fi

checks_done
