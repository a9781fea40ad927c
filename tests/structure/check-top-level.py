#!/usr/bin/env python3
"""check-top-level.py - the top level holds what the design card names, and nothing else.

usage: check-top-level.py ROOT
       check-top-level.py --self-test

Lists the files git tracks in ROOT and fails when one stands at the top level outside the
design card's list (CMakeLists.txt, cli/, core/, testdata/, man/, scripts/, tests/, README.md,
.ci/run) and the tool settings beside them (.clang-format, .gitignore). A scratch file of a
manual run, committed by a careless `git add -A`, is caught here rather than in review.

Prints one line per stray entry and exits 1, or a summary and exits 0. --self-test commits a
stray file to a scratch repository and exits 1 unless it is caught.
"""

import os
import subprocess
import sys
import tempfile

ALLOWED = {"CMakeLists.txt", "README.md", "cli", "core", "man", "scripts", "testdata", "tests",
           ".ci", ".clang-format", ".gitignore"}


def tracked(root):
    out = subprocess.run(["git", "-C", root, "ls-files", "-z"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, check=False)
    if out.returncode != 0:
        sys.exit("check-top-level: %s is not a git checkout: %s"
                 % (root, out.stderr.decode(errors="replace").strip()))
    return [p for p in out.stdout.decode().split("\0") if p]


def strays(root):
    return sorted({p.split("/", 1)[0] for p in tracked(root)} - ALLOWED)


def self_test():
    with tempfile.TemporaryDirectory() as d:
        def git(*args):
            subprocess.run(["git", "-C", d] + list(args), check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        git("init", "-q")
        for name in ("README.md", os.path.join("core", "a.c"), "full.ndjson"):
            os.makedirs(os.path.dirname(os.path.join(d, name)) or d, exist_ok=True)
            with open(os.path.join(d, name), "w") as f:
                f.write("x\n")
            git("add", name)
        found = strays(d)
        if found != ["full.ndjson"]:
            print("self-test: a committed full.ndjson was not caught (found %r)" % found)
            return 1
    print("self-test: the stray file was caught")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    found = strays(sys.argv[1])
    for name in found:
        print("%s: tracked at the top level, which holds only %s"
              % (name, ", ".join(sorted(ALLOWED))))
    if found:
        return 1
    print("check-top-level: the top level holds only the design card's entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
