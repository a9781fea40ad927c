#!/usr/bin/env python3
"""Dispatch peer for scripts/bench.sh: the Python standard-library script
people would write to replay a captured batch.

    peer_dispatch.py [--threads N] URL FILE...

Loads the records like peer_dry.py, classifies them the same way, and POSTs
every valid INSERT's pending dispatch
{"tenant","taskId","owner","eventSequence","recordedAtMicros"} to URL with an
Idempotency-Key header, from N threads (default 16), each keeping one
http.client keep-alive connection.  A 2xx answer acknowledges the record; any
other status or a connection error makes it a failure (one reconnect is tried
after a dropped connection).  Prints the partial-batch response (parse
failures and failed dispatches, in input order) on one line.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_dry  # noqa: E402  (same directory)


def pending(image):
    return {
        "tenant": image["tenant"]["S"],
        "taskId": image["taskId"]["S"],
        "owner": image["owner"]["S"],
        "eventSequence": int(image["eventSequence"]["N"]),
        "recordedAtMicros": max(int(image["recordedAtMicros"]["N"]), 0),
    }


def idempotency_key(p):
    q = urllib.parse.quote
    return "%s:%s:%d" % (q(p["tenant"], safe=""), q(p["taskId"], safe=""),
                         p["eventSequence"])


class Worker(threading.Thread):
    def __init__(self, url, jobs, results, lock):
        super().__init__(daemon=True)
        self.url = url
        self.jobs = jobs          # shared list of (index, body, key)
        self.results = results    # index -> ok (bool)
        self.lock = lock
        self.conn = None

    def connect(self):
        self.conn = http.client.HTTPConnection(self.url.hostname,
                                               self.url.port or 80, timeout=30)

    def post(self, body, key):
        self.conn.request("POST", self.url.path or "/", body=body, headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": key,
        })
        resp = self.conn.getresponse()
        resp.read()
        return 200 <= resp.status < 300

    def run(self):
        self.connect()
        while True:
            with self.lock:
                if not self.jobs:
                    break
                index, body, key = self.jobs.pop()
            try:
                ok = self.post(body, key)
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.connect()
                try:
                    ok = self.post(body, key)
                except (OSError, http.client.HTTPException):
                    ok = False
            self.results[index] = ok
        self.conn.close()


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("url")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    url = urllib.parse.urlsplit(args.url)

    seqs = []           # SequenceNumber (or None) per record that may fail
    invalid = set()     # indexes of the records that fail to parse
    jobs = []
    for record in peer_dry.records(args.files):
        if record.get("eventName") != "INSERT":
            continue
        ddb = record.get("dynamodb") or {}
        seq = ddb.get("SequenceNumber")
        index = len(seqs)
        seqs.append(seq if isinstance(seq, str) else None)
        image = ddb.get("NewImage") or {}
        if not peer_dry.valid_image(image):
            invalid.add(index)
            continue
        p = pending(image)
        jobs.append((index, json.dumps(p, separators=(",", ":")).encode(),
                     idempotency_key(p)))
    jobs.reverse()      # workers pop from the end: send in input order

    results = {}
    lock = threading.Lock()
    workers = [Worker(url, jobs, results, lock) for _ in range(args.threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    listed = [seq for index, seq in enumerate(seqs)
              if seq is not None and (index in invalid
                                      or not results.get(index, False))]
    status = peer_dry.respond(listed)
    sent = sum(1 for ok in results.values() if ok)
    sys.stderr.write("peer_dispatch: %d requests acknowledged, %d failures\n"
                     % (sent, len(listed)))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
