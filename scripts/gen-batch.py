#!/usr/bin/env python3
"""Generate deterministic synthetic DynamoDB Streams input for a2a-recover.

Every record is a DynamoDB Streams record (Lambda event shape) for the table
`a2a_push_pending_dispatches`.  The mix of record kinds is drawn from
random.Random(--seed), so the same flags always produce byte-identical output,
and the mix does not depend on --shape (the --expected file is the same for
every shape).

Record kinds (defaults; see --malformed-frac/--modify-frac/--remove-frac):
  80%  valid INSERT
   8%  MODIFY with a valid NewImage
   6%  REMOVE (Keys only, no image)
   6%  malformed INSERT, rotating through these damages:
         missing `owner`
         eventSequence {"N":"1e3"}
         eventSequence {"S":"5"}
         recordedAtMicros {"N":"12.5"}
         tenant {"N":"1"}
         eventSequence {"N":"18446744073709551616"} (overflows uint64)

Identity: record i (0-based) belongs to task i % --tasks; the task fixes the
tenant (cycling acme/globex/initech), taskId and owner.  eventSequence counts
up per task (i // --tasks + 1), so (tenant, taskId, eventSequence) is unique
across the whole output.  SequenceNumber is "7" + the 20-digit zero-padded
record number (1-based), unique and increasing.

Shapes (--shape):
  lambda   one document {"Records":[...]}
  ndjson   one record object per line
  pages    `aws dynamodbstreams get-records`-like documents, one per line:
           {"Records":[...],"NextShardIterator":"arn:...|1|AAAA..."} holding
           --page-size records each; ApproximateCreationDateTime is an
           ISO-8601 string here (an epoch integer in the other shapes)
  array    one top-level JSON array of records

--expected writes the expected dry-run response: one line
{"batchItemFailures":[{"itemIdentifier":"<seq>"},...]} listing the malformed
INSERTs' SequenceNumbers in input order.

Speed: each record kind is rendered once (json.dumps of a dict holding
placeholder tokens) into a %-format template; per record only a handful of
short strings are substituted, and output is written in multi-megabyte
chunks.  Standard library only.

Examples:
  scripts/gen-batch.py --records 1000 --shape ndjson --expected exp.json
  scripts/gen-batch.py --records 1000000 --out /tmp/big.json --summary
"""

import argparse
import base64
import hashlib
import json
import os
import random
import sys
from datetime import datetime, timezone

# --------------------------------------------------------------------------
# Fixed synthetic environment
# --------------------------------------------------------------------------

REGION = "us-east-1"
STREAM_ARN = ("arn:aws:dynamodb:us-east-1:123456789012:table/"
              "a2a_push_pending_dispatches/stream/2026-11-01T00:00:00.000")
TENANTS = ("acme", "globex", "initech")
OWNERS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")

BASE_EPOCH = 1795687200          # 2026-11-26T10:00:00Z, the first record's time
STEP_US = 1000                   # records are ~1 ms apart (1000 per second)
TTL_SECONDS = 30 * 86400         # ttl = record time + 30 days

# Odd multipliers: (n * odd) mod 2^k is a bijection, so the hex strings derived
# from distinct counters are distinct yet look random.
MASK128 = (1 << 128) - 1
MIX128 = 0x9E3779B97F4A7C15F39CC0605CEDC835
MASK256 = (1 << 256) - 1
MIX256 = 0xD6E8FEB86659FD93A5A3B2C8E1F0D7C5B4A39281706F5E4D3C2B1A0918273645

CHUNK_RECORDS = 8192             # records per write (~7.5 MB)

# Malformed INSERTs, in rotation order: (attribute of the NewImage, what
# replaces it; None deletes it).
DAMAGES = (
    ("owner", None),
    ("eventSequence", {"N": "1e3"}),
    ("eventSequence", {"S": "5"}),
    ("recordedAtMicros", {"N": "12.5"}),
    ("tenant", {"N": "1"}),
    ("eventSequence", {"N": "18446744073709551616"}),  # overflows uint64
)


# --------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------

def tok(name):
    """Placeholder string put into the template dicts before json.dumps."""
    return "@@%s@@" % name


def new_image():
    """A valid NewImage whose per-record values are placeholder tokens."""
    return {
        "pk": {"S": tok("pk")},
        "sk": {"S": tok("sk")},
        "tenant": {"S": tok("tenant")},
        "taskId": {"S": tok("task")},
        "owner": {"S": tok("owner")},
        "eventSequence": {"N": tok("es")},
        "recordedAtMicros": {"N": tok("rec")},
        "ttl": {"N": tok("ttl")},
        # Realistic extra attributes of a pending push dispatch (padding).
        "configId": {"S": tok("cfg")},
        "url": {"S": tok("url")},
        "payloadDigest": {"S": tok("digest")},
    }


# Typical substitution values, used only to estimate SizeBytes per template.
SAMPLE = {
    "pk": "TENANT#globex#TASK#task-000001", "sk": "SEQ#" + "0" * 20,
    "tenant": "globex", "task": "task-000001", "owner": "alice",
    "es": "42", "rec": "1795687200123456", "ttl": "1798279200",
    "cfg": "pushcfg-000001",
    "url": "https://hooks.globex.example.com/a2a/push/task-000001",
    "digest": "sha256:" + "0" * 64,
}


def item_size(image):
    """Rough DynamoDB item size: attribute name + value lengths (numbers are
    stored as ~1 byte per 2 digits + 1)."""
    size = 0
    for name, typed in image.items():
        (kind, value), = typed.items()
        for key, sample in SAMPLE.items():
            value = value.replace(tok(key), sample)
        size += len(name) + (len(value) // 2 + 1 if kind == "N" else len(value))
    return size


def render(event_name, image):
    """Render one record kind to a %-format template (mapping style)."""
    keys = {"pk": {"S": tok("pk")}, "sk": {"S": tok("sk")}}
    ddb = {"ApproximateCreationDateTime": tok("t"), "Keys": keys}
    if image is not None:
        ddb["NewImage"] = image
    ddb["SequenceNumber"] = tok("seq")
    ddb["SizeBytes"] = item_size(image if image is not None else keys)
    ddb["StreamViewType"] = "NEW_IMAGE"
    record = {
        "eventID": tok("eid"),
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": ddb,
        "eventSourceARN": STREAM_ARN,
    }
    text = json.dumps(record, separators=(",", ":"))
    text = text.replace("%", "%%")
    # The time is substituted pre-rendered (a bare int or a quoted ISO string),
    # so its placeholder swallows the surrounding quotes.
    text = text.replace('"%s"' % tok("t"), "%(t)s")
    for key in SAMPLE.keys() | {"eid", "seq"}:
        text = text.replace(tok(key), "%%(%s)s" % key)
    assert "@@" not in text, text
    return text


def make_templates():
    """Return (insert, modify, remove, [malformed...]) templates."""
    malformed = []
    for attribute, damaged in DAMAGES:
        img = new_image()
        if damaged is None:
            del img[attribute]
        else:
            img[attribute] = damaged  # keeps its place in the key order
        malformed.append(render("INSERT", img))
    return (render("INSERT", new_image()), render("MODIFY", new_image()),
            render("REMOVE", None), malformed)


def task_table(tasks):
    """Per-task constant strings: (pk, tenant, taskId, owner, configId, url)."""
    table = []
    for t in range(tasks):
        tenant = TENANTS[t % len(TENANTS)]
        task_id = "task-%06d" % (t + 1)
        table.append((
            "TENANT#%s#TASK#%s" % (tenant, task_id),
            tenant,
            task_id,
            OWNERS[t % len(OWNERS)],
            "pushcfg-%06d" % (t + 1),
            "https://hooks.%s.example.com/a2a/push/%s" % (tenant, task_id),
        ))
    return table


def shard_iterator(seed, page):
    """A plausible, deterministic NextShardIterator for page `page`."""
    blob = b"".join(hashlib.sha256(b"%d:%d:%d" % (seed, page, k)).digest()
                    for k in range(4))
    return "%s|1|AAAAAAAAAAE%s" % (STREAM_ARN, base64.b64encode(blob).decode())


# --------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------

def generate(args, out, expected):
    """Write the records to `out` (binary) and the expected failures to
    `expected` (binary or None).  Returns the summary counts."""
    t_insert, t_modify, t_remove, t_malformed = make_templates()
    tasks = task_table(args.tasks)
    n_tasks = args.tasks
    n_damage = len(t_malformed)
    rnd = random.Random(args.seed).random

    # Cumulative thresholds for one uniform draw per record.
    c_mal = args.malformed_frac
    c_mod = c_mal + args.modify_frac
    c_rem = c_mod + args.remove_frac

    shape = args.shape
    page_size = args.page_size
    iso_time = shape == "pages"
    id_base = args.seed << 64    # makes eventIDs/digests seed-specific

    counts = {"records": args.records, "insert_valid": 0, "modify": 0,
              "remove": 0, "malformed": 0, "bytes": 0}
    n_modify = n_remove = n_malformed = 0

    parts = []          # pending output strings
    exp_parts = []      # pending expected-file strings
    exp_first = True

    def flush():
        nonlocal exp_first
        if parts:
            data = "".join(parts).encode("ascii")
            out.write(data)
            counts["bytes"] += len(data)
            parts.clear()
        if expected is not None and exp_parts:
            text = ",".join(exp_parts)
            expected.write((text if exp_first else "," + text).encode("ascii"))
            exp_first = False
            exp_parts.clear()

    def page_close(page):
        return '],"NextShardIterator":"%s"}\n' % shard_iterator(args.seed, page)

    # Document opening.
    if shape == "lambda":
        parts.append('{"Records":[')
    elif shape == "array":
        parts.append("[")
    if expected is not None:
        expected.write(b'{"batchItemFailures":[')

    d = {}              # substitution values, reused for every record
    last_sec = None
    for i in range(args.records):
        # Separator / page framing before this record.
        if shape == "ndjson":
            pass
        elif shape == "pages":
            if i % page_size == 0:
                if i:
                    parts.append(page_close(i // page_size - 1))
                parts.append('{"Records":[')
            else:
                parts.append(",")
        elif i:
            parts.append(",")

        # Time: strictly increasing micros; seconds-based fields change
        # only once per 1000 records, so they are cached.
        rec_us = BASE_EPOCH * 1000000 + i * STEP_US + (i * 7919) % STEP_US
        sec = rec_us // 1000000
        if sec != last_sec:
            last_sec = sec
            if iso_time:
                d["t"] = '"%s"' % datetime.fromtimestamp(
                    sec, timezone.utc).isoformat()
            else:
                d["t"] = str(sec)
            d["ttl"] = str(sec + TTL_SECONDS)

        t = i % n_tasks
        es = i // n_tasks + 1
        n = id_base + i + 1
        (d["pk"], d["tenant"], d["task"], d["owner"],
         d["cfg"], d["url"]) = tasks[t]
        d["sk"] = "SEQ#%020d" % es
        d["es"] = str(es)
        d["rec"] = str(rec_us)
        d["seq"] = seq = "7%020d" % (i + 1)
        d["eid"] = "%032x" % ((n * MIX128) & MASK128)
        d["digest"] = "sha256:%064x" % ((n * MIX256) & MASK256)

        r = rnd()
        if r < c_mal:
            parts.append(t_malformed[n_malformed % n_damage] % d)
            n_malformed += 1
            exp_parts.append('{"itemIdentifier":"%s"}' % seq)
        elif r < c_mod:
            parts.append(t_modify % d)
            n_modify += 1
        elif r < c_rem:
            parts.append(t_remove % d)
            n_remove += 1
        else:
            parts.append(t_insert % d)

        if shape == "ndjson":
            parts.append("\n")
        if len(parts) >= 2 * CHUNK_RECORDS:
            flush()

    # Document closing.
    if shape == "lambda":
        parts.append("]}\n")
    elif shape == "array":
        parts.append("]\n")
    elif shape == "pages":
        if args.records == 0:
            parts.append('{"Records":[')
        parts.append(page_close(max(args.records - 1, 0) // page_size))
    flush()
    if expected is not None:
        expected.write(b"]}\n")

    counts["modify"] = n_modify
    counts["remove"] = n_remove
    counts["malformed"] = n_malformed
    counts["insert_valid"] = (args.records - n_modify - n_remove
                              - n_malformed)
    return counts


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def fraction(text):
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def non_negative(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Generate deterministic synthetic DynamoDB Streams "
                    "records for a2a_push_pending_dispatches.")
    p.add_argument("--records", type=non_negative, required=True,
                   help="number of records to generate")
    p.add_argument("--seed", type=int, default=1,
                   help="seed for the record-kind mix (default: %(default)s)")
    p.add_argument("--shape", choices=("lambda", "ndjson", "pages", "array"),
                   default="lambda", help="output framing (default: %(default)s)")
    p.add_argument("--page-size", type=positive, default=1000,
                   help="records per document with --shape pages (default: %(default)s)")
    p.add_argument("--out", metavar="FILE",
                   help="output file (default: stdout)")
    p.add_argument("--expected", metavar="FILE",
                   help="write the expected dry-run batchItemFailures here")
    p.add_argument("--tasks", type=positive, default=1000,
                   help="number of distinct taskIds cycled through (default: %(default)s)")
    p.add_argument("--malformed-frac", type=fraction, default=0.06,
                   help="fraction of malformed INSERTs (default: %(default)s)")
    p.add_argument("--modify-frac", type=fraction, default=0.08,
                   help="fraction of MODIFY records (default: %(default)s)")
    p.add_argument("--remove-frac", type=fraction, default=0.06,
                   help="fraction of REMOVE records (default: %(default)s)")
    p.add_argument("--summary", action="store_true",
                   help="print a JSON object of counts to stderr")
    args = p.parse_args(argv)
    if args.malformed_frac + args.modify_frac + args.remove_frac > 1.0 + 1e-9:
        p.error("--malformed-frac + --modify-frac + --remove-frac exceeds 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    out = (open(args.out, "wb") if args.out
           else sys.stdout.buffer)
    expected = open(args.expected, "wb") if args.expected else None
    try:
        counts = generate(args, out, expected)
        out.flush()
    finally:
        if args.out:
            out.close()
        if expected is not None:
            expected.close()
    if args.summary:
        sys.stderr.write(json.dumps(counts, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        # e.g. piped into `head`: exit quietly.  Point stdout at /dev/null so
        # the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
