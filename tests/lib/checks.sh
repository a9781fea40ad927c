# shellcheck shell=bash
# Shared by the shell checks (tests/docs, tests/package): one "ok - WHAT" or "FAIL - WHAT"
# line per check, the detail of a failure indented below it, and the closing line
# "N passed, N failed" that CI reads. Source it; then call ok/not_ok, and checks_done last.

passed=0
failed=0

# ok WHAT
ok()
{
    passed=$((passed + 1))
    echo "ok - $1"
}

# not_ok WHAT [DETAIL]
not_ok()
{
    failed=$((failed + 1))
    echo "FAIL - $1"
    if [[ $# -gt 1 && -n $2 ]]; then
        printf '%s\n' "$2" | sed 's/^/    /'
    fi
}

# checks_done: prints the count; its status is 0 only when no check failed.
checks_done()
{
    echo "$passed passed, $failed failed"
    ((failed == 0))
}
