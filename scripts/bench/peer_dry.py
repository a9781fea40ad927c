#!/usr/bin/env python3
"""Dry-run peer for scripts/bench.sh: the Python standard-library script
people would write.

    peer_dry.py FILE...

Loads each file whole with json.load (a Lambda event {"Records":[...]}, or
concatenated/NDJSON record and page documents), classifies every record the
way the stream-recovery handler does, and prints the partial-batch response
{"batchItemFailures":[{"itemIdentifier":"<SequenceNumber>"},...]} on one line.

Classification: only INSERT records count; their NEW_IMAGE needs tenant,
taskId and owner of type S, eventSequence of type N that parses as u64 and
recordedAtMicros of type N that parses as i64 (Rust from_str rules: optional
sign, ASCII digits only, no overflow).  A failing record without a
SequenceNumber cannot be listed and is dropped.
"""

import json
import re
import sys

U64 = re.compile(r"\+?[0-9]+")
I64 = re.compile(r"[-+]?[0-9]+")
U64_MAX = 2**64 - 1
I64_MIN, I64_MAX = -(2**63), 2**63 - 1


def s_attr(image, key):
    value = image.get(key)
    return isinstance(value, dict) and isinstance(value.get("S"), str)


def n_attr(image, key, pattern, lo, hi):
    value = image.get(key)
    if not isinstance(value, dict):
        return False
    text = value.get("N")
    if not isinstance(text, str) or not pattern.fullmatch(text):
        return False
    return lo <= int(text) <= hi


def valid_image(image):
    return (isinstance(image, dict)
            and s_attr(image, "tenant") and s_attr(image, "taskId")
            and s_attr(image, "owner")
            and n_attr(image, "eventSequence", U64, 0, U64_MAX)
            and n_attr(image, "recordedAtMicros", I64, I64_MIN, I64_MAX))


def failing(record):
    """The SequenceNumber to list for this record, or None."""
    if record.get("eventName") != "INSERT":
        return None
    ddb = record.get("dynamodb") or {}
    if valid_image(ddb.get("NewImage") or {}):
        return None
    seq = ddb.get("SequenceNumber")
    return seq if isinstance(seq, str) else None


def documents(path):
    """Every top-level JSON value of the file (one, or several concatenated)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    decoder = json.JSONDecoder()
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in " \t\r\n":
            pos += 1
        if pos == end:
            return
        doc, pos = decoder.raw_decode(text, pos)
        yield doc


def records(paths):
    for path in paths:
        for doc in documents(path):
            if isinstance(doc, dict) and "Records" in doc:
                yield from doc["Records"]
            elif isinstance(doc, list):
                yield from doc
            else:
                yield doc


def respond(seqs):
    """Prints the partial-batch response listing the SequenceNumbers `seqs`;
    returns the exit status (1 when any is listed)."""
    failures = [{"itemIdentifier": seq} for seq in seqs]
    sys.stdout.write(json.dumps({"batchItemFailures": failures},
                                separators=(",", ":")) + "\n")
    return 1 if failures else 0


def main(argv):
    if not argv:
        sys.stderr.write("usage: peer_dry.py FILE...\n")
        return 2
    seqs = []
    for record in records(argv):
        seq = failing(record)
        if seq is not None:
            seqs.append(seq)
    return respond(seqs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
