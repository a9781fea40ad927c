#!/usr/bin/env bash
#
# Lint checks, run by ctest (tests/lint/CMakeLists.txt):
#
#   bash tests/lint/lint.sh clang-format SOURCE_DIR
#       every C file under core/, cli/ and tests/ is as clang-format (.clang-format) writes it
#   bash tests/lint/lint.sh shellcheck SOURCE_DIR
#       scripts/*.sh and tests/**/*.sh have nothing for the shell linter to report
#   bash tests/lint/lint.sh --self-test SOURCE_DIR
#       each check passes a clean file and fails on one made to break it
#
# A missing tool is a failure, not a skip: scripts/setup.sh installs both.
#
set -euo pipefail

prog=lint.sh

usage() {
    echo "usage: $prog clang-format|shellcheck|--self-test SOURCE_DIR" >&2
    exit 2
}

need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "$prog: $1 not found (scripts/setup.sh installs it)" >&2
        exit 1
    fi
}

# check_clang_format DIR: clang-format --dry-run -Werror over DIR's C sources.
check_clang_format() {
    local -a files
    need clang-format
    mapfile -t files < <(cd "$1" && find core cli tests -name '*.[ch]' -type f | sort)
    if [ ${#files[@]} -eq 0 ]; then
        echo "$prog: no C files under $1/core, cli or tests" >&2
        return 1
    fi
    # Explicit: set -e does not hold in a function called from a condition (expect).
    if ! (cd "$1" && clang-format --dry-run -Werror "${files[@]}"); then
        return 1
    fi
    echo "clang-format: ${#files[@]} files as clang-format writes them"
}

# check_shellcheck DIR: shellcheck over DIR's scripts/*.sh and tests/**/*.sh.
check_shellcheck() {
    local -a files
    need shellcheck
    mapfile -t files < <(cd "$1" && find scripts -maxdepth 1 -name '*.sh' -type f | sort &&
        find tests -name '*.sh' -type f | sort)
    if [ ${#files[@]} -eq 0 ]; then
        echo "$prog: no shell scripts under $1/scripts or tests" >&2
        return 1
    fi
    if ! (cd "$1" && shellcheck "${files[@]}"); then
        return 1
    fi
    echo "shellcheck: ${#files[@]} scripts clean"
}

# expect WANT CHECK DIR: runs CHECK on DIR; fails unless it passes (WANT=pass) or fails.
expect() {
    local want=$1 got=pass
    shift
    "$@" >/dev/null 2>&1 || got=fail
    if [ "$got" != "$want" ]; then
        echo "$prog: self-test: $* should $want but did $got" >&2
        return 1
    fi
}

self_test() {
    local src=$1 tmp rc=0
    tmp=$(mktemp -d)
    mkdir -p "$tmp/core" "$tmp/cli" "$tmp/tests/x" "$tmp/scripts"
    cp "$src/.clang-format" "$tmp/"
    printf 'int f(void)\n{\n    return 0;\n}\n' >"$tmp/core/ok.c"
    printf '#!/bin/sh\ncd /tmp || exit 1\n' >"$tmp/scripts/ok.sh"
    expect pass check_clang_format "$tmp" || rc=1
    expect pass check_shellcheck "$tmp" || rc=1
    printf 'int  g( void ) { return 0; }\n' >"$tmp/tests/x/bad.c"
    printf '#!/bin/sh\ncd /tmp\n' >"$tmp/tests/x/bad.sh"
    expect fail check_clang_format "$tmp" || rc=1
    expect fail check_shellcheck "$tmp" || rc=1
    rm -f "$tmp/tests/x/bad.c" "$tmp/tests/x/bad.sh"
    printf 'int  g( void ) { return 0; }\n' >"$tmp/cli/bad.h"
    printf '#!/bin/sh\ncd /tmp\n' >"$tmp/scripts/bad.sh"
    expect fail check_clang_format "$tmp" || rc=1
    expect fail check_shellcheck "$tmp" || rc=1
    rm -rf "$tmp"
    [ "$rc" -eq 0 ] && echo "self-test: each check fails on a broken file"
    return "$rc"
}

[ $# -eq 2 ] || usage
[ -d "$2" ] || usage
case $1 in
clang-format) check_clang_format "$2" ;;
shellcheck) check_shellcheck "$2" ;;
--self-test) self_test "$2" ;;
*) usage ;;
esac
