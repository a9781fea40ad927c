#!/usr/bin/env python3
"""check-includes.py - dependencies point down: the include graph of core/ and cli/.

usage: check-includes.py ROOT
       check-includes.py --self-test

Reads every #include "..." of ROOT/core and ROOT/cli (.c and .h) and fails when one points
up:
  - a core file includes a cli header (core knows nothing of the command line);
  - within core, a file includes one of a higher layer (LAYERS below, highest first);
  - a core file has no layer: a new module must be given one here, in the same commit.
Includes within one layer are allowed; system headers (<...>) are not checked.

Prints one line per offending include ("file:line: #include ...: why") and exits 1, or
prints a summary and exits 0. --self-test runs the check on small trees in a temporary
directory and exits 1 unless every deliberate fault is caught.
"""

import os
import re
import sys
import tempfile

# The layers of core/, highest first: the path of the data reads downwards.
LAYERS = [
    ("driver", ["batch", "redrive"]),
    # What the driver reads from (inputs, items, the stream source), parses with (record,
    # request), writes to (sinks) and dispatches through (the pool).
    ("sources, parser, pool", [
        "input", "items", "stream_source", "record", "request", "sinks", "dispatch"]),
    # The AWS side of a stream source: the Streams client and its shard reader, over the
    # credential providers; one libcurl easy handle each, not the pool's engines.
    ("AWS client", ["streams_client", "shard_reader", "streams_internal", "aws_credentials",
                    "aws_cred_http", "aws_cred_process", "aws_cred_profile", "arn"]),
    # Bytes in and the validating JSON scanner over them: the sources above cut records
    # with it, and the shard reader walks a GetRecords page with it.
    ("bytes and scanner", ["source", "scanner"]),
    ("engine", ["engine", "joblist", "job"]),
    ("vocabulary and policy", ["result", "retry"]),
    ("helpers", ["buf", "clock", "envelope", "error", "jsonstr", "jsonview", "log", "number",
                 "swar", "wipe", "env", "seqnum", "curl_loader"]),
]

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def rank_of():
    ranks = {}
    for depth, (name, modules) in enumerate(LAYERS):
        for m in modules:
            ranks[m] = (len(LAYERS) - depth, name)
    return ranks


def sources(root, folder):
    d = os.path.join(root, folder)
    if not os.path.isdir(d):
        return []
    return sorted(f for f in os.listdir(d) if f.endswith((".c", ".h")))


def check(root, out=sys.stdout):
    """Returns the number of problems found, printing each."""
    ranks = rank_of()
    core = set(sources(root, "core"))
    cli = set(sources(root, "cli"))
    problems = []
    edges = 0

    for f in sorted(core):
        module = f.rsplit(".", 1)[0]
        if module not in ranks:
            problems.append(f"core/{f}: module '{module}' has no layer: add it to LAYERS in "
                            f"tests/structure/check-includes.py")
            continue
        my_rank, my_layer = ranks[module]
        path = os.path.join(root, "core", f)
        with open(path, encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if m is None:
                    continue
                inc = m.group(1)
                where = f"core/{f}:{lineno}: #include \"{inc}\""
                edges += 1
                if inc not in core:
                    if inc in cli:
                        problems.append(f"{where}: a core file includes a cli header "
                                        f"(core knows nothing of the command line)")
                    else:
                        problems.append(f"{where}: no such header in core/")
                    continue
                target = inc.rsplit(".", 1)[0]
                if target not in ranks:
                    continue  # reported once, as the file itself
                their_rank, their_layer = ranks[target]
                if their_rank <= my_rank:
                    continue
                problems.append(f"{where}: {module} ({my_layer}) includes {target} "
                                f"({their_layer}), a higher layer: dependencies point down")

    for f in sorted(cli):
        with open(os.path.join(root, "cli", f), encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if m is not None:
                    edges += 1
                    if m.group(1) not in cli and m.group(1) not in core:
                        problems.append(f"cli/{f}:{lineno}: #include \"{m.group(1)}\": "
                                        f"no such header in cli/ or core/")

    for p in problems:
        print(p, file=out)
    if not problems:
        print(f"check-includes: {len(core)} core and {len(cli)} cli files, {edges} includes, "
              f"none upward", file=out)
    return len(problems)


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def self_test():
    """Each case: files of a small tree, and a text the report must hold (None: must pass)."""
    base = {
        "core/batch.c": '#include "batch.h"\n#include "scanner.h"\n',
        "core/batch.h": '#include "error.h"\n',
        "core/scanner.c": '#include "scanner.h"\n#include "buf.h"\n',
        "core/scanner.h": '#include "source.h"\n',
        "core/source.h": '#include "error.h"\n',
        "core/engine.h": '#include "job.h"\n',
        "core/joblist.h": '#include "job.h"\n',
        "core/job.h": '#include "result.h"\n',
        "core/dispatch.h": '#include "result.h"\n',
        "core/result.h": '#include "jsonstr.h"\n',
        "core/jsonstr.h": '#include "buf.h"\n',
        "core/buf.h": "",
        "core/error.h": "",
        "cli/main.c": '#include "batch.h"\n#include "options.h"\n',
        "cli/options.h": "",
    }
    cases = [
        ("a clean tree", {}, None),
        ("a helper including the driver", {"core/buf.h": '#include "batch.h"\n'},
         'core/buf.h:1: #include "batch.h": buf (helpers) includes batch (driver)'),
        ("the scanner including the driver", {"core/scanner.c": '#include "batch.h"\n'},
         'core/scanner.c:1: #include "batch.h"'),
        ("the engine including the pool", {"core/engine.c": '\n#include "dispatch.h"\n'},
         'core/engine.c:2: #include "dispatch.h": engine (engine) includes dispatch'),
        ("a core file including a cli header", {"core/scanner.h": '#include "options.h"\n'},
         'core/scanner.h:1: #include "options.h": a core file includes a cli header'),
        ("a module with no layer", {"core/stream.c": '#include "buf.h"\n'},
         "core/stream.c: module 'stream' has no layer"),
        ("the job reaching up to the pool", {"core/job.h": '#include "dispatch.h"\n'},
         'core/job.h:1: #include "dispatch.h": job (engine) includes dispatch'),
        ("an include of a missing header", {"core/batch.h": '#include "nothere.h"\n'},
         'core/batch.h:1: #include "nothere.h": no such header in core/'),
    ]
    failed = 0
    for name, change, want in cases:
        with tempfile.TemporaryDirectory(prefix="a2a-includes.") as tmp:
            files = dict(base)
            files.update(change)
            for rel, text in files.items():
                write(tmp, rel, text)

            class Capture:
                text = ""

                def write(self, s):
                    self.text += s

            cap = Capture()
            n = check(tmp, cap)
            ok = (n == 0) if want is None else (n > 0 and want in cap.text)
            print(f"{'ok' if ok else 'FAIL'}: {name}")
            if not ok:
                failed += 1
                print("  report was:\n    " + cap.text.replace("\n", "\n    "))
    print(f"{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2 or argv[1].startswith("-"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    return 1 if check(argv[1]) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
