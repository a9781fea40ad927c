#!/usr/bin/env bash
#
# check-deb.sh SOURCE_DIR BUILD_DIR
#
# Builds the Debian package the way an operator gets it and checks what it installs:
#   1. configures BUILD_DIR as a Release build with Debian's hardening flags
#      (dpkg-buildflags, hardening=+all), builds it, runs `cpack -G DEB`;
#   2. the file is a2a-recover_<version>_<arch>.deb, its Depends come from dpkg-shlibdeps
#      (libc6, libcjson) and from libcurl's shlibs entry (libcurl4: the binary opens it at
#      run time, so shlibdeps cannot see it), each with a version; the binary is stripped;
#   3. lintian reports no error (warnings are printed, not hidden);
#   4. unpacked with `dpkg -x` into a temporary root (the machine is not changed): the
#      packaged binary answers --version with the package version, `man -w` finds the
#      manual through MANPATH and man renders it, the bash completion sits where
#      bash-completion looks and registers a completion for a2a-recover, the doc
#      directory holds the copyright file and a changelog whose version is the package's.
# Ends with "N passed, M failed"; exits 1 when anything failed, 2 when a tool is missing.

set -u
export LC_ALL=C

[[ $# -eq 2 ]] || { echo "usage: check-deb.sh SOURCE_DIR BUILD_DIR" >&2; exit 2; }
src=$(cd "$1" && pwd) || exit 2
build=$2

for tool in cpack dpkg-deb dpkg-shlibdeps lintian file man gzip; do
    command -v "$tool" >/dev/null || {
        echo "check-deb.sh: $tool not found (scripts/setup.sh installs it)" >&2
        exit 2
    }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-deb.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=tests/lib/checks.sh
. "$(dirname "$0")/../lib/checks.sh"

# 1. Build. The flags Debian builds its packages with: fortified libc calls, stack
# protector, full RELRO and immediate binding (lintian's hardening checks).
# Passed as cache values, not through CFLAGS/LDFLAGS in the environment, which CMake only
# reads when it first creates a build tree.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)
if ! { cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
    -DA2A_WERROR=ON -DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" &&
    cmake --build "$build" -j2 &&
    (cd "$build" && rm -f ./*.deb && cpack -G DEB); } >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log"
    echo "check-deb.sh: building the package failed" >&2
    exit 1
fi

version=$(sed -nE 's/^CMAKE_PROJECT_VERSION:STATIC=(.*)/\1/p' "$build/CMakeCache.txt")
arch=$(dpkg --print-architecture)
deb=$build/a2a-recover_${version}_${arch}.deb
if [[ -n $version && -f $deb ]]; then
    ok "cpack -G DEB wrote $(basename "$deb")"
else
    not_ok "cpack -G DEB wrote a2a-recover_${version}_${arch}.deb" \
        "found: $(cd "$build" && ls ./*.deb 2>/dev/null)"
    checks_done
    exit 1
fi

# 2. Control fields.
depends=$(dpkg-deb -f "$deb" Depends)
missing=
for lib in libc6 libcurl4 libcjson1; do
    grep -qE "(^|, )$lib \(>= [^)]+\)" <<<"$depends" || missing+="$lib "
done
if [[ -z $missing ]]; then
    ok "Depends names libc6, libcurl4 and libcjson1 with versions: $depends"
else
    not_ok "Depends names the linked libraries with versions" \
        "missing: $missing"$'\n'"Depends: $depends"
fi
for field in Maintainer Section Priority Description; do
    if [[ -n $(dpkg-deb -f "$deb" "$field") ]]; then
        ok "control field $field is set"
    else
        not_ok "control field $field is set"
    fi
done

# 3. lintian: errors fail the check; every tag it prints is shown.
lintian --fail-on error "$deb" >"$tmp/lintian" 2>&1
rc=$?
grep -v '^running with root privileges' "$tmp/lintian" | sed 's/^/    lintian: /'
if [[ $rc -eq 0 ]] && ! grep -q '^E: ' "$tmp/lintian"; then
    ok "lintian: no errors ($(grep -c '^W: ' "$tmp/lintian") warning(s))"
else
    not_ok "lintian: no errors (exit $rc)"
fi

# 4. Unpack and use.
root=$tmp/root
dpkg -x "$deb" "$root" || { not_ok "dpkg -x"; checks_done; exit 1; }
bin=$root/usr/bin/a2a-recover

if file -b "$bin" | grep -q 'ELF.*, stripped'; then
    ok "usr/bin/a2a-recover is a stripped ELF executable"
else
    not_ok "usr/bin/a2a-recover is a stripped ELF executable" "$(file -b "$bin")"
fi

out=$("$bin" --version 2>&1)
rc=$?
if [[ $rc -eq 0 ]] && grep -qF "$version" <<<"$out"; then
    ok "packaged a2a-recover --version: $(head -n 1 <<<"$out")"
else
    not_ok "packaged a2a-recover --version prints $version" "exit $rc: $out"
fi

manpage=$root/usr/share/man/man1/a2a-recover.1.gz
found=$(MANPATH=$root/usr/share/man man -w a2a-recover 2>&1)
if [[ $found == "$manpage" ]]; then
    ok "man -w a2a-recover finds usr/share/man/man1/a2a-recover.1.gz"
else
    not_ok "man -w a2a-recover finds $manpage" "man -w: $found"
fi
if MANPATH=$root/usr/share/man MANWIDTH=80 man -P cat a2a-recover 2>&1 |
    grep -q '^NAME'; then
    ok "man renders the packaged manual"
else
    not_ok "man renders the packaged manual"
fi

comp=$root/usr/share/bash-completion/completions/a2a-recover
if [[ -f $comp ]] && bash -c 'source "$1" && complete -p a2a-recover' _ "$comp" \
    >"$tmp/complete" 2>&1; then
    ok "completion in usr/share/bash-completion/completions: $(cat "$tmp/complete")"
else
    not_ok "completion in usr/share/bash-completion/completions registers a2a-recover" \
        "$(cat "$tmp/complete" 2>/dev/null)"
fi

doc=$root/usr/share/doc/a2a-recover
if [[ -s $doc/copyright ]]; then
    ok "usr/share/doc/a2a-recover/copyright"
else
    not_ok "usr/share/doc/a2a-recover/copyright"
fi
top=$(gzip -dc "$doc/changelog.gz" 2>/dev/null | sed -nE '1s/^a2a-recover \(([^)]*)\).*/\1/p')
if [[ $top == "$version" ]]; then
    ok "changelog.gz starts with version $version"
else
    not_ok "changelog.gz starts with version $version" \
        "top entry: '${top}' (add an entry to scripts/deb/changelog on a version bump)"
fi

checks_done
