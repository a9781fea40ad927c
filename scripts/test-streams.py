#!/usr/bin/env python3
"""A stand-in for Amazon DynamoDB Streams, for a2a-recover's tests and demo.

Python standard library only (3.11+, Debian 12's python3).  Listens on loopback
and never makes a network call.  Its fidelity is pinned by
tests/integration/test_streams_fake.py, which drives it with the real `aws`
CLI and checks signatures with botocore: trust it only as far as those tests go.

Protocol (DynamoDB Streams, JSON 1.0, as AWS serves it):

    POST /
    Content-Type: application/x-amz-json-1.0
    X-Amz-Target: DynamoDBStreams_20120810.<Op>
    X-Amz-Date: 20260101T000000Z
    Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/REGION/dynamodb/aws4_request,
                   SignedHeaders=...;host;...;x-amz-date, Signature=<hex>
    X-Amz-Security-Token: ...      (required when the key was configured with a token)

    Ops: ListStreams, DescribeStream, GetShardIterator, GetRecords.

Every request is checked with SigV4 against the configured keys (--key, --keys-file):
service `dynamodb`, region --region, x-amz-date within --max-skew of the server's clock.

Errors have AWS's shape: status 400 (500 for InternalServerError) and
    {"__type":"<namespace>#<Name>","message":"..."}
with the namespaces AWS uses: com.amazonaws.dynamodb.v20120810 for the modelled
errors (ResourceNotFoundException, ExpiredIteratorException, LimitExceededException,
TrimmedDataAccessException, InternalServerError), com.amazon.coral.service for
authentication errors (UnrecognizedClientException, InvalidSignatureException,
IncompleteSignatureException, MissingAuthenticationTokenException,
ExpiredTokenException, AccessDeniedException, UnknownOperationException,
SerializationException), com.amazon.coral.availability#ThrottlingException and
com.amazon.coral.validate#ValidationException.  Clients match the text after the last '#'.

Seed file (--seed FILE):

    {"streams": [
      {"StreamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2026-01-01T00:00:00.000",
       "StreamStatus": "ENABLED",            optional (default ENABLED)
       "StreamViewType": "NEW_IMAGE",        optional (default NEW_IMAGE)
       "TableName": "T", "StreamLabel": "...",   optional (default: from the ARN)
       "KeySchema": [...],                   optional (default pk HASH, sk RANGE)
       "CreationRequestDateTime": 1767225600,  optional (epoch seconds)
       "Shards": [                           listed by DescribeStream in this order
         {"ShardId": "shardId-00000001767225600000-0000aaaa",   (28..65 characters)
          "ParentShardId": "shardId-...",    optional
          "SequenceNumberRange": {"StartingSequenceNumber": "100000000000000000001",
                                  "EndingSequenceNumber": "100000000000000000099"},
                 Ending absent = an open shard (always answers a NextShardIterator);
                 Starting defaults to the first record's number.
          "Records": [ full GetRecords records, in order:
              {"eventID": "...", "eventName": "INSERT", "eventVersion": "1.1",
               "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
               "dynamodb": {"ApproximateCreationDateTime": 1767225600, "Keys": {...},
                            "NewImage": {...}, "SequenceNumber": "100000000000000000001",
                            "SizeBytes": 120, "StreamViewType": "NEW_IMAGE"}} ],
          "Generate": {"records": 1000000, "seed": 1, "tasks": 1000, "first": 0,
                       "malformedFrac": 0.06, "modifyFrac": 0.08, "removeFrac": 0.06},
                 optional, instead of Records: the records scripts/gen-batch.py writes
                 for the same --seed/--tasks/fractions (numbers first+1 .. first+records,
                 SequenceNumber "7" + 20 digits), made on demand, never held in memory;
          "TrimmedBefore": "SEQ",            optional: records below SEQ are trimmed
          "EmptyPagesBefore": 3}             optional: empty GetRecords pages before data
       ]}]}

Sequence numbers are decimal strings of 21..40 digits, compared as integers and
increasing within a shard.  --generate N serves gen-batch's stream ARN with one
closed shard of N generated records without any seed file.

Fault injection (command line; the same JSON through POST /_control at run time):

    --fault SPEC (repeatable)  SPEC = KIND[,key=value...], KIND one of
          ThrottlingException, LimitExceededException, InternalServerError,
          ExpiredTokenException, AccessDeniedException, ResourceNotFoundException,
          ExpiredIteratorException, TrimmedDataAccessException,
          UnrecognizedClientException, ValidationException,
          reset (close the connection without an answer), delay (answer late)
        keys: ops=GetRecords+DescribeStream   only these operations (default all)
              shard=SHARD_ID                  only calls about this shard
              key=AKID                        only calls signed with this key
              after=N     let the first N matching calls through
              count=N     then fail N matching calls (default: all the rest)
              rate=P      fail each candidate with probability P (--random-seed)
              ms=N        delay: sleep N ms before answering
        e.g. --fault ThrottlingException,ops=GetRecords,count=5
             --fault InternalServerError,rate=0.1 --random-seed 7
    --delay-ms N               sleep N ms before every answer
    --empty-pages N            N empty GetRecords pages per shard before its data
    --empty-pages-between N    after each page with records, N empty pages (per iterator chain)
    --expire-iterator-after N  an iterator chain (one GetShardIterator and the
                               NextShardIterators that follow) serves N GetRecords;
                               the next call gets ExpiredIteratorException
    --iterator-ttl SECONDS     an iterator expires this long after it was issued (900)
    --iterator-max-uses N      an iterator string used more than N times expires (0 = no limit)
    --trim-before [SHARD=]SEQ  records below SEQ are trimmed (all shards without SHARD=);
                               iterators before SEQ get TrimmedDataAccessException
    --expired-key AKID         every call signed with AKID gets ExpiredTokenException
    --max-page-records N       at most N records per GetRecords page (default 1000)
    --describe-page-size N     at most N shards per DescribeStream page (default 100)
    --closed-end same-page|extra-page   at the end of a closed shard, the page holding
                               its last records has no NextShardIterator (same-page), or
                               one more empty page without it follows (extra-page)
    --closed-end-null          write "NextShardIterator": null instead of leaving it out
    --generate N [--generate-open]  serve gen-batch's stream, one shard of N records
    --no-log-seqs              leave the per-call sequenceNumbers list out of the log
    --clock-offset SECONDS     the server's clock runs this far ahead (skew tests)

Control endpoints (never signed, never in the call log):
    GET  /_health  -> 200 ok
    GET  /_stats   -> {"calls": N, "by_op": {...}, "by_error": {...}, "iterators": N}
    POST /_control -> JSON object, keys applied in this order:
         {"faults": [RULE...]}          replace the fault rules
         {"addFaults": [RULE...]}       append rules; RULE = {"error": KIND,
                                         "ops": [...], "shard": ..., "key": ...,
                                         "after": N, "count": N, "rate": P, "ms": N}
         {"delayMs": N}
         {"addKeys": [{"accessKeyId","secretAccessKey","sessionToken"?}]}
         {"expireKeys": [AKID...]}, {"unexpireKeys": [AKID...]}
         {"trim": [{"shardId": ID (optional: all shards), "before": SEQ}]}
         {"append": [{"shardId": ID, "records": [...]}]}     open shards only
         {"close": [{"shardId": ID, "endingSequenceNumber": SEQ (default: last record),
                     "children": [SHARD...]}]}   optional children: shards as in the
                                         seed, listed from then on, as AWS lists the
                                         shards that replace a closed one: ParentShardId
                                         is the closed shard (set when absent), and their
                                         StartingSequenceNumber lies above its end
         {"emptyPages": [{"shardId": ID, "count": N}]}
         {"expireIterators": true}      every iterator issued so far expires

Call log (--record FILE): one JSON line per API call, in order of completion:
    {"n", "time", "op", "status", "error", "message",
     "request": {"method", "path", "headers": [[name, value], ...] (raw, as received),
                 "body"},
     "auth": {"accessKeyId", "region", "signedHeaders", "ok"},
     "streamArn", "shardId", "iterator": {"chain", "position", "uses", "type"},
     "records", "firstSequenceNumber", "lastSequenceNumber", "sequenceNumbers",
     "nextPosition", "nextShardIterator" (bool), "fault", "delayMs"}
`position` counts records from the start of the shard (trimmed ones included).

TLS (--tls-cert FILE --tls-key FILE): serves HTTPS instead, the handshake taken in the
request's thread; /_health and /_control are then over HTTPS too.

Example:
    scripts/test-streams.py --seed testdata/streams/lineage.json \\
        --key AKIDEXAMPLE:secret --record /tmp/streams.jsonl --port-file /tmp/port
"""

import argparse
import base64
import hashlib
import hmac
import http.server
import importlib.util
import itertools
import json
import os
import random
import re
import signal
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
import zlib
from datetime import datetime, timezone

TARGET_PREFIX = "DynamoDBStreams_20120810."
CONTENT_TYPE = "application/x-amz-json-1.0"
SERVICE = "dynamodb"
MAX_BODY = 1 << 20
PAGE_BYTES = 1 << 20          # GetRecords answers at most 1 MB of records
MAX_RECORDS = 1000
SEQ_RE = re.compile(r"^[0-9]{21,40}$")
ARN_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):dynamodb:([a-z0-9-]+):([0-9]{12}):"
                    r"table/([A-Za-z0-9_.-]{3,255})/stream/(.+)$")
HERE = os.path.dirname(os.path.abspath(__file__))

NS_DDB = "com.amazonaws.dynamodb.v20120810"
NS_CORAL = "com.amazon.coral.service"
# name -> (HTTP status, __type namespace, default message)
ERRORS = {
    "ResourceNotFoundException": (400, NS_DDB, "Requested resource not found"),
    "ExpiredIteratorException": (400, NS_DDB, "Iterator expired"),
    "LimitExceededException": (400, NS_DDB, "Too many requests, please slow down"),
    "TrimmedDataAccessException": (400, NS_DDB, "The operation attempted to read past the "
                                   "oldest stream record in a shard."),
    "InternalServerError": (500, NS_DDB, "Internal server error"),
    "ThrottlingException": (400, "com.amazon.coral.availability", "Rate exceeded"),
    "ValidationException": (400, "com.amazon.coral.validate", "Invalid request"),
    "UnrecognizedClientException": (400, NS_CORAL, "The security token included in the "
                                    "request is invalid."),
    "InvalidSignatureException": (400, NS_CORAL, "The request signature we calculated does "
                                  "not match the signature you provided. Check your AWS "
                                  "Secret Access Key and signing method. Consult the service "
                                  "documentation for details."),
    "IncompleteSignatureException": (400, NS_CORAL, "Authorization header is malformed"),
    "MissingAuthenticationTokenException": (400, NS_CORAL, "Request is missing "
                                            "Authentication Token"),
    "ExpiredTokenException": (400, NS_CORAL, "The security token included in the request "
                              "is expired"),
    "AccessDeniedException": (400, NS_CORAL, "User is not authorized to perform this action"),
    "UnknownOperationException": (400, NS_CORAL, "Unknown operation"),
    "SerializationException": (400, NS_CORAL, "Start of structure or map found where not "
                               "expected."),
}
FAULT_KINDS = tuple(ERRORS) + ("reset", "delay")


class SeedError(Exception):
    """The seed file or an option is unusable."""


class ApiError(Exception):
    def __init__(self, name, message=None):
        super().__init__(name)
        self.name = name
        self.message = message or ERRORS[name][2]

    @property
    def status(self):
        return ERRORS[self.name][0]

    def body(self):
        return json.dumps({"__type": "%s#%s" % (ERRORS[self.name][1], self.name),
                           "message": self.message})


class Reset(Exception):
    """Close the connection without answering."""


def seq_int(text, where):
    if not isinstance(text, str) or not SEQ_RE.match(text):
        raise SeedError("%s: sequence number must be a string of 21..40 digits, not %r"
                        % (where, text))
    return int(text)


# --------------------------------------------------------------------------
# Records of a shard
# --------------------------------------------------------------------------

class StaticRecords:
    """Records given in the seed (or appended later), pre-serialised."""

    def __init__(self):
        self.texts = []   # compact JSON of each record
        self.seqs = []    # int sequence numbers, increasing

    def __len__(self):
        return len(self.texts)

    def seq(self, i):
        return self.seqs[i]

    def text(self, i):
        return self.texts[i]

    def append(self, record, where):
        if not isinstance(record, dict) or not isinstance(record.get("dynamodb"), dict):
            raise SeedError("%s: a record must be an object with a dynamodb object" % where)
        seq = seq_int(record["dynamodb"].get("SequenceNumber"), where)
        if self.seqs and seq <= self.seqs[-1]:
            raise SeedError("%s: sequence numbers must increase within a shard" % where)
        self.texts.append(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
        self.seqs.append(seq)

    def index_at_or_after(self, seq):
        lo, hi = 0, len(self.seqs)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.seqs[mid] < seq:
                lo = mid + 1
            else:
                hi = mid
        return lo


def load_gen_batch():
    spec = importlib.util.spec_from_file_location("gen_batch", os.path.join(HERE, "gen-batch.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class GeneratedRecords:
    """Records numbered first+1 .. first+count exactly as scripts/gen-batch.py writes
    them (same seed, tasks and fractions), rendered on demand: a 1M-record shard costs
    one byte per record (its kind), not the records."""

    def __init__(self, spec, where):
        gb = load_gen_batch()
        count = int(spec.get("records", 0))
        first = int(spec.get("first", 0))
        seed = int(spec.get("seed", 1))
        tasks = int(spec.get("tasks", 1000))
        fracs = (float(spec.get("malformedFrac", 0.06)), float(spec.get("modifyFrac", 0.08)),
                 float(spec.get("removeFrac", 0.06)))
        if count < 0 or first < 0 or tasks < 1:
            raise SeedError("%s: Generate needs records >= 0, first >= 0, tasks >= 1" % where)
        self.gb, self.first, self.count, self.n_tasks = gb, first, count, tasks
        self.id_base = seed << 64
        t_insert, t_modify, t_remove, t_malformed = gb.make_templates()
        # GetRecords records carry no eventSourceARN (Lambda adds it).
        suffix = ',"eventSourceARN":%s}' % json.dumps(gb.STREAM_ARN)
        self.templates = [t[:-len(suffix)] + "}" if t.endswith(suffix) else t
                          for t in [t_insert, t_modify, t_remove] + list(t_malformed)]
        self.tasks = gb.task_table(tasks)
        # One draw per record, in order, as gen-batch draws them.
        rnd = random.Random(seed).random
        c_mal, c_mod = fracs[0], fracs[0] + fracs[1]
        c_rem = c_mod + fracs[2]
        kinds = bytearray(count)
        n_mal = 0
        n_damage = len(t_malformed)
        for i in range(first + count):
            r = rnd()
            if r < c_mal:
                kind = 3 + n_mal % n_damage
                n_mal += 1
            elif r < c_mod:
                kind = 1
            elif r < c_rem:
                kind = 2
            else:
                kind = 0
            if i >= first:
                kinds[i - first] = kind
        self.kinds = kinds
        self.base_seq = 7 * 10 ** 20

    def __len__(self):
        return self.count

    def seq(self, i):
        return self.base_seq + self.first + i + 1

    def text(self, i):
        gb = self.gb
        n_rec = self.first + i
        rec_us = gb.BASE_EPOCH * 1000000 + n_rec * gb.STEP_US + (n_rec * 7919) % gb.STEP_US
        sec = rec_us // 1000000
        t = n_rec % self.n_tasks
        es = n_rec // self.n_tasks + 1
        n = self.id_base + n_rec + 1
        d = {"t": str(sec), "ttl": str(sec + gb.TTL_SECONDS)}
        d["pk"], d["tenant"], d["task"], d["owner"], d["cfg"], d["url"] = self.tasks[t]
        d["sk"] = "SEQ#%020d" % es
        d["es"] = str(es)
        d["rec"] = str(rec_us)
        d["seq"] = "7%020d" % (n_rec + 1)
        d["eid"] = "%032x" % ((n * gb.MIX128) & gb.MASK128)
        d["digest"] = "sha256:%064x" % ((n * gb.MIX256) & gb.MASK256)
        return self.templates[self.kinds[i]] % d

    def index_at_or_after(self, seq):
        return min(max(seq - self.base_seq - self.first - 1, 0), self.count)

    def append(self, record, where):
        raise SeedError("%s: a generated shard takes no appended records" % where)


# --------------------------------------------------------------------------
# Streams and shards
# --------------------------------------------------------------------------

class Shard:
    def __init__(self, stream, doc, where):
        self.stream = stream
        self.shard_id = doc.get("ShardId")
        if not isinstance(self.shard_id, str) or not 28 <= len(self.shard_id) <= 65:
            raise SeedError("%s: ShardId must be a string of 28..65 characters" % where)
        self.parent = doc.get("ParentShardId")
        if "Generate" in doc:
            self.records = GeneratedRecords(doc["Generate"], where)
        else:
            self.records = StaticRecords()
            for j, rec in enumerate(doc.get("Records") or []):
                self.records.append(rec, "%s.Records[%d]" % (where, j))
        rng = doc.get("SequenceNumberRange") or {}
        start = rng.get("StartingSequenceNumber")
        if start is None:
            if not len(self.records):
                raise SeedError("%s: StartingSequenceNumber needed for a shard without "
                                "records" % where)
            start = str(self.records.seq(0))
        self.start_text = start
        self.start = seq_int(start, where)
        self.end_text = rng.get("EndingSequenceNumber")
        self.end = None if self.end_text is None else seq_int(self.end_text, where)
        if len(self.records):
            if self.records.seq(0) < self.start or (
                    self.end is not None and self.records.seq(len(self.records) - 1) > self.end):
                raise SeedError("%s: records outside the SequenceNumberRange" % where)
        self.trim_before = None
        if doc.get("TrimmedBefore") is not None:
            self.trim_before = seq_int(doc["TrimmedBefore"], where)
        self.empty_before = int(doc.get("EmptyPagesBefore") or 0)

    @property
    def closed(self):
        return self.end is not None

    def first_untrimmed(self):
        if self.trim_before is None:
            return 0
        return self.records.index_at_or_after(self.trim_before)

    def describe(self):
        rng = {"StartingSequenceNumber": self.start_text}
        if self.end_text is not None:
            rng["EndingSequenceNumber"] = self.end_text
        out = {"ShardId": self.shard_id, "SequenceNumberRange": rng}
        if self.parent:
            out["ParentShardId"] = self.parent
        return out


class Stream:
    def __init__(self, doc, where):
        self.arn = doc.get("StreamArn")
        m = ARN_RE.match(self.arn or "")
        if not m:
            raise SeedError("%s: StreamArn %r is not a DynamoDB stream ARN" % (where, self.arn))
        self.region = m.group(2)
        self.table = doc.get("TableName") or m.group(4)
        self.label = doc.get("StreamLabel") or m.group(5)
        self.status = doc.get("StreamStatus", "ENABLED")
        self.view = doc.get("StreamViewType", "NEW_IMAGE")
        self.key_schema = doc.get("KeySchema") or [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"}]
        self.created = doc.get("CreationRequestDateTime", 1767225600)
        self.shards = []
        self.by_id = {}
        for j, sd in enumerate(doc.get("Shards") or []):
            shard = Shard(self, sd, "%s.Shards[%d]" % (where, j))
            if shard.shard_id in self.by_id:
                raise SeedError("%s: duplicate ShardId %s" % (where, shard.shard_id))
            self.shards.append(shard)
            self.by_id[shard.shard_id] = shard


def load_seed(path):
    try:
        with open(path, "rb") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise SeedError("cannot read seed file %s: %s" % (path, e)) from e
    if not isinstance(doc, dict) or not isinstance(doc.get("streams"), list):
        raise SeedError("%s: top level must be {\"streams\": [...]}" % path)
    return [Stream(s, "%s: streams[%d]" % (path, i)) for i, s in enumerate(doc["streams"])]


def generated_stream(count, open_shard=False):
    gb = load_gen_batch()
    shard = {"ShardId": "shardId-00000001795687200000-00000001", "Generate": {"records": count},
             "SequenceNumberRange": {"StartingSequenceNumber": "7%020d" % 1}}
    if not open_shard:
        shard["SequenceNumberRange"]["EndingSequenceNumber"] = "7%020d" % max(count, 1)
    return Stream({"StreamArn": gb.STREAM_ARN, "Shards": [shard]}, "--generate")


# --------------------------------------------------------------------------
# SigV4 (from the AWS Signature Version 4 specification)
# --------------------------------------------------------------------------

def _uri_encode(text, safe):
    return urllib.parse.quote(text, safe=safe)


def canonical_uri(path):
    """Non-S3 services: the normalised path, each segment URI-encoded (the path as sent
    is already encoded once, so this is AWS's "encoded twice")."""
    out = []
    for seg in path.split("/"):
        if seg == "..":
            if out:
                out.pop()
        elif seg not in (".", ""):
            out.append(seg)
    norm = "/" + "/".join(out)
    if path.endswith("/") and norm != "/":
        norm += "/"
    return _uri_encode(norm, "/~")


def canonical_query(query):
    pairs = []
    for part in query.split("&") if query else []:
        key, _, value = part.partition("=")
        pairs.append((_uri_encode(urllib.parse.unquote(key), "-_.~"),
                      _uri_encode(urllib.parse.unquote(value), "-_.~")))
    pairs.sort()
    return "&".join("%s=%s" % kv for kv in pairs)


def canonical_request(method, raw_path, headers, signed_headers, body):
    """headers: list of (name, value) as received.  Returns the canonical request or
    raises ApiError when a signed header is missing."""
    path, _, query = raw_path.partition("?")
    lines = [method, canonical_uri(path), canonical_query(query)]
    for name in signed_headers:
        values = [v for n, v in headers if n.lower() == name]
        if not values:
            raise ApiError("InvalidSignatureException",
                           "Signed header %s is not present in the request" % name)
        lines.append("%s:%s" % (name, ",".join(" ".join(v.split()) for v in values)))
    lines.append("")
    lines.append(";".join(signed_headers))
    lines.append(hashlib.sha256(body).hexdigest())
    return "\n".join(lines)


def signing_key(secret, date, region, service):
    k = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def parse_authorization(value):
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != "AWS4-HMAC-SHA256":
        raise ApiError("IncompleteSignatureException",
                       "Unsupported AWS 'algorithm': '%s'" % algorithm)
    fields = {}
    for part in rest.split(","):
        key, eq, val = part.strip().partition("=")
        if eq:
            fields[key] = val
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if k not in fields]
    if missing:
        raise ApiError("IncompleteSignatureException",
                       "Authorization header requires '%s' parameter. Authorization=%s"
                       % (missing[0], value))
    cred = fields["Credential"].split("/")
    if len(cred) != 5:
        raise ApiError("IncompleteSignatureException",
                       "Credential should have 5 slash-separated parts")
    return cred, fields["SignedHeaders"], fields["Signature"]


class Verifier:
    def __init__(self, region, keys, require_signed, max_skew, clock_offset):
        self.region = region
        self.keys = keys          # akid -> (secret, token or None)
        self.expired = set()
        self.require_signed = require_signed
        self.max_skew = max_skew
        self.clock_offset = clock_offset

    def verify(self, method, raw_path, headers, body, auth):
        """Check one request; fills auth (for the call log) and raises ApiError."""
        def header(name):
            for n, v in headers:
                if n.lower() == name:
                    return v
            return None

        value = header("authorization")
        if value is None:
            raise ApiError("MissingAuthenticationTokenException")
        cred, signed_text, signature = parse_authorization(value)
        akid, date, region, service, terminator = cred
        signed = signed_text.split(";")
        auth.update(accessKeyId=akid, region=region, signedHeaders=signed_text)
        if akid not in self.keys:
            raise ApiError("UnrecognizedClientException")
        if terminator != "aws4_request":
            raise ApiError("InvalidSignatureException",
                           "Credential should be scoped with a valid terminator: "
                           "'aws4_request', not '%s'." % terminator)
        if service != SERVICE:
            raise ApiError("InvalidSignatureException",
                           "Credential should be scoped to correct service: '%s'. " % SERVICE)
        if region != self.region:
            raise ApiError("InvalidSignatureException",
                           "Credential should be scoped to a valid region, not '%s'. "
                           % region)
        if signed != sorted(signed) or any(h != h.lower() for h in signed):
            raise ApiError("InvalidSignatureException",
                           "SignedHeaders must be lower case and sorted")
        for name in self.require_signed:
            if name not in signed:
                raise ApiError("InvalidSignatureException",
                               "'%s' must be a signed header" % name)
        amz_date = header("x-amz-date")
        if amz_date is None:
            raise ApiError("IncompleteSignatureException",
                           "Authorization header requires existence of either a "
                           "'X-Amz-Date' or a 'Date' header.")
        try:
            when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            raise ApiError("IncompleteSignatureException",
                           "X-Amz-Date %r is not in the form YYYYMMDDTHHMMSSZ" % amz_date)
        if date != amz_date[:8]:
            raise ApiError("InvalidSignatureException",
                           "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                           "version of date from HTTP: '%s' != '%s'" % (date, amz_date[:8]))
        now = time.time() + self.clock_offset
        if abs(now - when.timestamp()) > self.max_skew:
            stamp = datetime.fromtimestamp(now, timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            raise ApiError("InvalidSignatureException",
                           "Signature expired: %s is now earlier than %s (%s - 15 min.)"
                           % (amz_date, stamp, stamp) if when.timestamp() < now else
                           "Signature not yet current: %s is still later than %s (%s + 15 min.)"
                           % (amz_date, stamp, stamp))
        secret, token = self.keys[akid]
        creq = canonical_request(method, raw_path, headers, signed, body)
        scope = "/".join(cred[1:])
        to_sign = "\n".join(("AWS4-HMAC-SHA256", amz_date, scope,
                             hashlib.sha256(creq.encode()).hexdigest()))
        expected = hmac.new(signing_key(secret, date, region, service), to_sign.encode(),
                            hashlib.sha256).hexdigest()
        auth["canonicalRequest"] = creq
        if not hmac.compare_digest(expected, signature):
            raise ApiError("InvalidSignatureException")
        sent_token = header("x-amz-security-token")
        if token is not None or sent_token is not None:
            if sent_token is None or token is None or not hmac.compare_digest(
                    sent_token.encode(), token.encode()):
                raise ApiError("UnrecognizedClientException")
        if akid in self.expired:
            raise ApiError("ExpiredTokenException")
        auth["ok"] = True
        return akid


# --------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------

class FaultRule:
    def __init__(self, doc, rnd):
        kind = doc.get("error")
        if kind not in FAULT_KINDS:
            raise SeedError("fault kind %r: use one of %s" % (kind, ", ".join(FAULT_KINDS)))
        self.kind = kind
        ops = doc.get("ops")
        if isinstance(ops, str):
            ops = ops.split("+")
        self.ops = set(ops) if ops else None
        self.shard = doc.get("shard")
        self.key = doc.get("key")
        self.after = int(doc.get("after", 0))
        self.count = None if doc.get("count") is None else int(doc["count"])
        self.rate = None if doc.get("rate") is None else float(doc["rate"])
        self.ms = int(doc.get("ms", 0))
        self.seen = 0
        self.fired = 0
        self.rnd = rnd

    def fires(self, op, shard_id, akid):
        """Called under the state lock for every call; True when this call fails."""
        if self.ops is not None and op not in self.ops:
            return False
        if self.shard is not None and shard_id != self.shard:
            return False
        if self.key is not None and akid != self.key:
            return False
        self.seen += 1
        if self.seen <= self.after:
            return False
        if self.count is not None and self.fired >= self.count:
            return False
        if self.rate is not None and self.rnd.random() >= self.rate:
            return False
        self.fired += 1
        return True


def parse_fault_spec(spec):
    """KIND[,key=value...] -> rule dict."""
    parts = spec.split(",")
    doc = {"error": parts[0].strip()}
    for part in parts[1:]:
        key, eq, value = part.partition("=")
        key = key.strip()
        if not eq or key not in ("ops", "shard", "key", "after", "count", "rate", "ms"):
            raise SeedError("--fault %s: unknown setting %r" % (spec, part))
        doc[key] = value.strip()
    return doc


# --------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------

class Iterator:
    __slots__ = ("token", "shard", "position", "chain", "issued", "uses", "type", "empties")

    def __init__(self, token, shard, position, chain, kind, empties=0):
        self.token = token
        self.shard = shard
        self.position = position
        self.chain = chain
        self.issued = time.monotonic()
        self.uses = 0
        self.type = kind
        self.empties = empties


class Chain:
    __slots__ = ("n", "calls", "expired")

    def __init__(self, n):
        self.n = n
        self.calls = 0
        self.expired = False


class Service:
    def __init__(self, args, streams, verifier):
        self.args = args
        self.streams = streams
        self.by_arn = {s.arn: s for s in streams}
        self.verifier = verifier
        self.lock = threading.Lock()
        self.rnd = random.Random(args.random_seed)
        self.faults = []
        self.delay_ms = args.delay_ms
        self.iterators = {}
        self.chain_ids = itertools.count(1)
        self.iterator_ids = itertools.count(1)
        self.calls = 0
        self.by_op = {}
        self.by_error = {}
        self.record_lock = threading.Lock()
        self.record = open(args.record, "a", encoding="utf-8") if args.record else None

    # -- helpers ----------------------------------------------------------

    def stream(self, arn):
        if not isinstance(arn, str) or not arn:
            raise ApiError("ValidationException",
                           "1 validation error detected: Value null at 'streamArn' failed "
                           "to satisfy constraint: Member must not be null")
        stream = self.by_arn.get(arn)
        if stream is None:
            raise ApiError("ResourceNotFoundException",
                           "Requested resource not found: Stream: %s not found" % arn)
        return stream

    def shard(self, stream, shard_id):
        shard = stream.by_id.get(shard_id) if isinstance(shard_id, str) else None
        if shard is None:
            raise ApiError("ResourceNotFoundException",
                           "Requested resource not found: Shard: %s in Stream: %s not found"
                           % (shard_id, stream.arn))
        return shard

    def all_shards(self):
        for stream in self.streams:
            yield from stream.shards

    def new_iterator(self, shard, position, chain, kind, empties=0):
        blob = os.urandom(24) + next(self.iterator_ids).to_bytes(8, "big")
        token = "%s|1|AAAAAAAAA%s" % (shard.stream.arn, base64.b64encode(blob * 4).decode())
        self.iterators[token] = Iterator(token, shard, position, chain, kind, empties)
        return token

    @staticmethod
    def limit(body, name, maximum):
        value = body.get(name)
        if value is None:
            return maximum
        if not isinstance(value, int) or isinstance(value, bool) or value < 1 or value > maximum:
            raise ApiError("ValidationException",
                           "1 validation error detected: Value '%s' at '%s' failed to satisfy "
                           "constraint: Member must have value less than or equal to %d"
                           % (value, name[0].lower() + name[1:], maximum))
        return value

    # -- operations -------------------------------------------------------

    def list_streams(self, body, log):
        limit = self.limit(body, "Limit", 100)
        table = body.get("TableName")
        streams = [s for s in self.streams if table is None or s.table == table]
        start = body.get("ExclusiveStartStreamArn")
        if start is not None:
            ids = [s.arn for s in streams]
            streams = streams[ids.index(start) + 1:] if start in ids else []
        page = streams[:limit]
        out = {"Streams": [{"StreamArn": s.arn, "TableName": s.table, "StreamLabel": s.label}
                           for s in page]}
        if len(streams) > limit:
            out["LastEvaluatedStreamArn"] = page[-1].arn
        return json.dumps(out)

    def describe_stream(self, body, log):
        stream = self.stream(body.get("StreamArn"))
        log["streamArn"] = stream.arn
        limit = min(self.limit(body, "Limit", 100), self.args.describe_page_size)
        shards = stream.shards
        start = body.get("ExclusiveStartShardId")
        if start is not None:
            ids = [s.shard_id for s in shards]
            if start not in ids:
                raise ApiError("ResourceNotFoundException",
                               "Requested resource not found: Shard: %s in Stream: %s not found"
                               % (start, stream.arn))
            shards = shards[ids.index(start) + 1:]
        page = shards[:limit]
        desc = {"StreamArn": stream.arn, "StreamLabel": stream.label,
                "StreamStatus": stream.status, "StreamViewType": stream.view,
                "CreationRequestDateTime": stream.created, "TableName": stream.table,
                "KeySchema": stream.key_schema, "Shards": [s.describe() for s in page]}
        if len(shards) > limit:
            desc["LastEvaluatedShardId"] = page[-1].shard_id
        log["shards"] = [s.shard_id for s in page]
        return json.dumps({"StreamDescription": desc})

    def get_shard_iterator(self, body, log):
        stream = self.stream(body.get("StreamArn"))
        log["streamArn"] = stream.arn
        shard = self.shard(stream, body.get("ShardId"))
        log["shardId"] = shard.shard_id
        kind = body.get("ShardIteratorType")
        recs = shard.records
        first = shard.first_untrimmed()
        if kind == "TRIM_HORIZON":
            position = first
        elif kind == "LATEST":
            position = len(recs)
        elif kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            text = body.get("SequenceNumber")
            if not isinstance(text, str) or not SEQ_RE.match(text):
                raise ApiError("ValidationException",
                               "Invalid SequenceNumber for ShardIteratorType %s: %r"
                               % (kind, text))
            seq = int(text)
            if seq < shard.start or (shard.end is not None and seq > shard.end):
                raise ApiError("ValidationException",
                               "Invalid SequenceNumber %s for shard %s: outside its "
                               "SequenceNumberRange" % (text, shard.shard_id))
            if shard.trim_before is not None and seq < shard.trim_before:
                raise ApiError("TrimmedDataAccessException")
            position = recs.index_at_or_after(seq)
            if kind == "AFTER_SEQUENCE_NUMBER" and position < len(recs) \
                    and recs.seq(position) == seq:
                position += 1
        else:
            raise ApiError("ValidationException",
                           "1 validation error detected: Value '%s' at 'shardIteratorType' "
                           "failed to satisfy constraint: Member must satisfy enum value set: "
                           "[AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"
                           % (kind,))
        chain = Chain(next(self.chain_ids))
        token = self.new_iterator(shard, position, chain, kind)
        log["iterator"] = {"chain": chain.n, "position": position, "type": kind}
        return json.dumps({"ShardIterator": token})

    def get_records(self, body, log):
        token = body.get("ShardIterator")
        limit = self.limit(body, "Limit", MAX_RECORDS)
        it = self.iterators.get(token) if isinstance(token, str) else None
        if it is None:
            raise ApiError("ValidationException", "Invalid ShardIterator")
        shard = it.shard
        it.uses += 1
        log["streamArn"] = shard.stream.arn
        log["shardId"] = shard.shard_id
        log["iterator"] = {"chain": it.chain.n, "position": it.position, "uses": it.uses,
                           "type": it.type}
        args = self.args
        if it.chain.expired or (time.monotonic() - it.issued > args.iterator_ttl) or (
                args.iterator_max_uses and it.uses > args.iterator_max_uses):
            raise ApiError("ExpiredIteratorException",
                           "Iterator expired. The iterator was created %.0f seconds ago"
                           % (time.monotonic() - it.issued))
        it.chain.calls += 1
        if args.expire_iterator_after and it.chain.calls > args.expire_iterator_after:
            it.chain.expired = True
            raise ApiError("ExpiredIteratorException",
                           "Iterator expired after %d uses of its chain"
                           % args.expire_iterator_after)
        if it.position < shard.first_untrimmed():
            raise ApiError("TrimmedDataAccessException")
        recs = shard.records
        position = it.position
        empties = it.empties
        texts = []
        if position < len(recs) and shard.empty_before > 0:
            shard.empty_before -= 1
        elif position < len(recs) and empties > 0:
            empties -= 1
        else:
            n = min(limit, args.max_page_records)
            size = 0
            while position < len(recs) and len(texts) < n:
                text = recs.text(position)
                size += len(text.encode())
                if texts and size > PAGE_BYTES:
                    break
                texts.append(text)
                position += 1
            if texts:
                empties = args.empty_pages_between
        log["records"] = len(texts)
        if texts:
            log["firstSequenceNumber"] = str(recs.seq(it.position))
            log["lastSequenceNumber"] = str(recs.seq(position - 1))
            if args.log_seqs:
                log["sequenceNumbers"] = [str(recs.seq(i)) for i in range(it.position, position)]
        log["nextPosition"] = position
        at_end = shard.closed and position >= len(recs)
        if at_end and (args.closed_end == "same-page" or not texts):
            nxt = None
        else:
            nxt = self.new_iterator(shard, position, it.chain, it.type, empties)
        log["nextShardIterator"] = nxt is not None
        head = '{"Records":[' + ",".join(texts) + "]"
        if nxt is not None:
            return head + ',"NextShardIterator":%s}' % json.dumps(nxt)
        if args.closed_end_null:
            return head + ',"NextShardIterator":null}'
        return head + "}"

    OPS = {"ListStreams": list_streams, "DescribeStream": describe_stream,
           "GetShardIterator": get_shard_iterator, "GetRecords": get_records}

    # -- one call ---------------------------------------------------------

    def fault_for(self, op, body, akid):
        """The first fault rule that fires for this call (under the lock)."""
        shard_id = body.get("ShardId") if isinstance(body, dict) else None
        if op == "GetRecords" and isinstance(body, dict):
            it = self.iterators.get(body.get("ShardIterator"))
            shard_id = it.shard.shard_id if it is not None else None
        for i, rule in enumerate(self.faults):
            if rule.fires(op, shard_id, akid):
                return i, rule
        return None, None

    def call(self, method, raw_path, headers, body_bytes, log):
        """Returns (status, body text); raises Reset."""
        auth = {"ok": False}
        log["auth"] = auth
        target = next((v for n, v in headers if n.lower() == "x-amz-target"), None)
        op = target[len(TARGET_PREFIX):] if target and target.startswith(TARGET_PREFIX) else None
        log["op"] = op if op in self.OPS else target
        delay = self.delay_ms
        try:
            akid = self.verifier.verify(method, raw_path, headers, body_bytes, auth)
            if op not in self.OPS:
                raise ApiError("UnknownOperationException")
            ctype = next((v for n, v in headers if n.lower() == "content-type"), "")
            if ctype.split(";")[0].strip().lower() != CONTENT_TYPE:
                raise ApiError("SerializationException",
                               "Content-Type must be %s, not %r" % (CONTENT_TYPE, ctype))
            try:
                body = json.loads(body_bytes.decode("utf-8")) if body_bytes else {}
            except (UnicodeDecodeError, ValueError):
                raise ApiError("SerializationException")
            if not isinstance(body, dict):
                raise ApiError("SerializationException")
            with self.lock:
                index, rule = self.fault_for(op, body, akid)
                if rule is not None:
                    log["fault"] = index
                    if rule.kind == "delay":
                        delay += rule.ms
                    elif rule.kind == "reset":
                        raise Reset()
                    else:
                        raise ApiError(rule.kind, "Injected %s" % rule.kind)
                result = (200, self.OPS[op](self, body, log))
        except ApiError as e:
            log["error"] = e.name
            log["message"] = e.message
            result = (e.status, e.body())
        if delay:
            log["delayMs"] = delay
            time.sleep(delay / 1000.0)
        return result

    def write_log(self, log):
        with self.lock:
            self.calls += 1
            log["n"] = self.calls
            op = log.get("op") or "?"
            self.by_op[op] = self.by_op.get(op, 0) + 1
            if log.get("error"):
                self.by_error[log["error"]] = self.by_error.get(log["error"], 0) + 1
        if self.record is not None:
            line = json.dumps(log, ensure_ascii=False) + "\n"
            with self.record_lock:
                self.record.write(line)
                self.record.flush()

    def stats(self):
        with self.lock:
            return {"calls": self.calls, "by_op": dict(self.by_op),
                    "by_error": dict(self.by_error), "iterators": len(self.iterators)}

    # -- control ----------------------------------------------------------

    def control(self, doc):
        """Apply a POST /_control document (see the top of this file)."""
        if not isinstance(doc, dict):
            raise SeedError("control body must be a JSON object")
        with self.lock:
            if "faults" in doc:
                self.faults = [FaultRule(r, self.rnd) for r in doc["faults"]]
            for r in doc.get("addFaults") or []:
                self.faults.append(FaultRule(r, self.rnd))
            if "delayMs" in doc:
                self.delay_ms = int(doc["delayMs"])
            for k in doc.get("addKeys") or []:
                self.verifier.keys[k["accessKeyId"]] = (k["secretAccessKey"],
                                                        k.get("sessionToken"))
            self.verifier.expired.update(doc.get("expireKeys") or [])
            self.verifier.expired.difference_update(doc.get("unexpireKeys") or [])
            for t in doc.get("trim") or []:
                before = seq_int(t.get("before"), "trim")
                for shard in self.all_shards():
                    if t.get("shardId") in (None, shard.shard_id):
                        shard.trim_before = before
            for a in doc.get("append") or []:
                shard = self.find_shard(a.get("shardId"))
                if shard.closed:
                    raise SeedError("append: shard %s is closed" % shard.shard_id)
                for j, rec in enumerate(a.get("records") or []):
                    shard.records.append(rec, "append[%s][%d]" % (shard.shard_id, j))
            for c in doc.get("close") or []:
                shard = self.find_shard(c.get("shardId"))
                end = c.get("endingSequenceNumber")
                if end is None:
                    if not len(shard.records):
                        raise SeedError("close: shard %s has no records; give "
                                        "endingSequenceNumber" % shard.shard_id)
                    end = str(shard.records.seq(len(shard.records) - 1))
                shard.end = seq_int(end, "close")
                shard.end_text = end
                self.add_children(shard, c.get("children") or [])
            for e in doc.get("emptyPages") or []:
                self.find_shard(e.get("shardId")).empty_before = int(e.get("count", 0))
            if doc.get("expireIterators"):
                for it in self.iterators.values():
                    it.chain.expired = True

    def add_children(self, parent, docs):
        """Lists the shards that replace a closed one (under the lock)."""
        stream = parent.stream
        for j, doc in enumerate(docs):
            where = "close[%s].children[%d]" % (parent.shard_id, j)
            doc = dict(doc)
            doc.setdefault("ParentShardId", parent.shard_id)
            if doc["ParentShardId"] != parent.shard_id:
                raise SeedError("%s: ParentShardId must be the closed shard" % where)
            child = Shard(stream, doc, where)
            if child.shard_id in stream.by_id:
                raise SeedError("%s: duplicate ShardId %s" % (where, child.shard_id))
            if child.start <= parent.end:
                raise SeedError("%s: StartingSequenceNumber must lie above the parent's "
                                "end %s" % (where, parent.end_text))
            stream.shards.append(child)
            stream.by_id[child.shard_id] = child

    def find_shard(self, shard_id):
        for shard in self.all_shards():
            if shard.shard_id == shard_id:
                return shard
        raise SeedError("no shard %r" % (shard_id,))


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Server"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        if self.server.service.args.verbose:
            super().log_message(format, *args)

    def _send(self, status, text, content_type=CONTENT_TYPE):
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", uuid.uuid4().hex.upper())
        self.send_header("x-amz-crc32", str(zlib.crc32(data)))
        self.end_headers()
        self.wfile.write(data)

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._send(411, json.dumps({"message": "chunked bodies are not supported"}))
            self.close_connection = True
            return None
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._send(413, json.dumps({"message": "bad Content-Length"}))
            self.close_connection = True
            return None
        return self.rfile.read(length)

    def do_GET(self):
        service = self.server.service
        if self.path == "/_health":
            self._send(200, "ok", "text/plain")
        elif self.path == "/_stats":
            self._send(200, json.dumps(service.stats()), "application/json")
        else:
            self._send(404, json.dumps({"message": "not found"}), "application/json")

    def do_POST(self):
        service = self.server.service
        body = self._read_body()
        if body is None:
            return
        if self.path == "/_control":
            try:
                service.control(json.loads(body.decode("utf-8")))
            except (SeedError, ValueError, KeyError, TypeError) as e:
                self._send(400, json.dumps({"message": str(e)}), "application/json")
                return
            self._send(200, "{}", "application/json")
            return
        headers = list(self.headers.items())
        log = {"time": time.time(), "op": None, "status": None, "error": None,
               "request": {"method": "POST", "path": self.path, "headers": headers,
                           "body": body.decode("utf-8", "replace")}}
        try:
            status, text = service.call("POST", self.path, headers, body, log)
        except Reset:
            log["status"] = 0
            log["error"] = "reset"
            service.write_log(log)
            self.close_connection = True
            return
        log["status"] = status
        service.write_log(log)
        self._send(status, text)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def server_bind(self):
        # HTTPServer.server_bind() calls socket.getfqdn(), which can stall on DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        if self.service.args.verbose:
            super().handle_error(request, client_address)


def write_port_file(path, port):
    """Write "<port>\\n" atomically (temporary file + rename)."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def read_keys(args):
    """--key AKID:SECRET[:TOKEN] and --keys-file [{"accessKeyId",...}] -> dict."""
    keys = {}
    for spec in args.key or []:
        parts = spec.split(":", 2)
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise SeedError("--key wants AKID:SECRET[:TOKEN]")
        keys[parts[0]] = (parts[1], parts[2] if len(parts) == 3 else None)
    if args.keys_file:
        try:
            with open(args.keys_file, "rb") as f:
                doc = json.load(f)
            for k in doc:
                keys[k["accessKeyId"]] = (k["secretAccessKey"], k.get("sessionToken"))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise SeedError("cannot read --keys-file %s: %s" % (args.keys_file, e)) from e
    if not keys:
        raise SeedError("no keys: give --key AKID:SECRET[:TOKEN] or --keys-file FILE")
    return keys


def parse_args(argv):
    p = argparse.ArgumentParser(description="Test stand-in for Amazon DynamoDB Streams "
                                "(see the top of this file for the formats).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 = ephemeral (default)")
    p.add_argument("--port-file", metavar="FILE", help="write the bound port here once listening")
    p.add_argument("--seed", metavar="FILE", help="JSON file of streams, shards and records")
    p.add_argument("--generate", type=int, metavar="N",
                   help="also serve gen-batch's stream with one shard of N generated records")
    p.add_argument("--generate-open", action="store_true",
                   help="the --generate shard is open (no EndingSequenceNumber)")
    p.add_argument("--record", metavar="FILE", help="append one JSON line per API call")
    p.add_argument("--no-log-seqs", dest="log_seqs", action="store_false",
                   help="leave the sequenceNumbers list out of the call log")
    p.add_argument("--region", default="us-east-1", help="the only region accepted")
    p.add_argument("--key", action="append", metavar="AKID:SECRET[:TOKEN]")
    p.add_argument("--keys-file", metavar="FILE",
                   help='JSON [{"accessKeyId","secretAccessKey","sessionToken"?}]')
    p.add_argument("--expired-key", action="append", default=[], metavar="AKID")
    p.add_argument("--require-signed", default="host,x-amz-date", metavar="LIST",
                   help="headers that must be signed (default %(default)s)")
    p.add_argument("--max-skew", type=float, default=900.0, metavar="SECONDS")
    p.add_argument("--clock-offset", type=float, default=0.0, metavar="SECONDS")
    p.add_argument("--fault", action="append", default=[], metavar="SPEC")
    p.add_argument("--random-seed", type=int, metavar="N")
    p.add_argument("--delay-ms", type=int, default=0, metavar="N")
    p.add_argument("--empty-pages", type=int, default=0, metavar="N")
    p.add_argument("--empty-pages-between", type=int, default=0, metavar="N")
    p.add_argument("--expire-iterator-after", type=int, default=0, metavar="N")
    p.add_argument("--iterator-ttl", type=float, default=900.0, metavar="SECONDS")
    p.add_argument("--iterator-max-uses", type=int, default=0, metavar="N")
    p.add_argument("--trim-before", action="append", default=[], metavar="[SHARD=]SEQ")
    p.add_argument("--max-page-records", type=int, default=MAX_RECORDS, metavar="N")
    p.add_argument("--describe-page-size", type=int, default=100, metavar="N")
    p.add_argument("--closed-end", choices=("same-page", "extra-page"), default="same-page")
    p.add_argument("--closed-end-null", action="store_true")
    p.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this certificate")
    p.add_argument("--tls-key", metavar="FILE", help="private key for --tls-cert")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if not args.seed and args.generate is None:
        p.error("give --seed FILE and/or --generate N")
    if not 1 <= args.max_page_records <= MAX_RECORDS:
        p.error("--max-page-records must be 1..%d" % MAX_RECORDS)
    if not 1 <= args.describe_page_size <= 100:
        p.error("--describe-page-size must be 1..100")
    return args


def build(args):
    streams = load_seed(args.seed) if args.seed else []
    if args.generate is not None:
        streams.append(generated_stream(args.generate, args.generate_open))
    for spec in args.trim_before:
        shard_id, eq, seq = spec.rpartition("=")
        before = seq_int(seq, "--trim-before")
        for stream in streams:
            for shard in stream.shards:
                if not eq or shard.shard_id == shard_id:
                    shard.trim_before = before
    for stream in streams:
        for shard in stream.shards:
            shard.empty_before = shard.empty_before or args.empty_pages
    required = [h.strip().lower() for h in args.require_signed.split(",") if h.strip()]
    verifier = Verifier(args.region, read_keys(args), required, args.max_skew, args.clock_offset)
    verifier.expired.update(args.expired_key)
    service = Service(args, streams, verifier)
    service.control({"faults": [parse_fault_spec(s) for s in args.fault]})
    return service


def main(argv=None):
    args = parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        service = build(args)
        server = Server((args.host, args.port), Handler)
    except (SeedError, OSError, ValueError) as e:
        print("test-streams: %s" % e, file=sys.stderr)
        return 2
    server.service = service
    scheme = "http"
    if args.tls_cert:
        try:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(args.tls_cert, args.tls_key)
        except (OSError, ssl.SSLError) as e:
            print("test-streams: cannot load TLS certificate/key: %s" % e, file=sys.stderr)
            return 2
        server.socket = context.wrap_socket(server.socket, server_side=True,
                                            do_handshake_on_connect=False)
        scheme = "https"
    port = server.server_address[1]
    if args.port_file:
        write_port_file(args.port_file, port)
    print("listening on %s://%s:%d/" % (scheme, args.host, port), flush=True)
    serve = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                             name="serve", daemon=True)
    serve.start()
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    if service.record is not None:
        service.record.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
