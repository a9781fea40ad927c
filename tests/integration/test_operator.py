#!/usr/bin/env python3
"""Operator-facing integration tests: --report, --failed-out, -o, --rate,
progress line, summary line; against scripts/test-dispatcher.py.

Run: A2A_RECOVER_BIN=build/cli/a2a-recover python3 tests/integration/test_operator.py -v
"""

import errno
import glob
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import insert, malformed, modify, remove, seed_doc  # noqa: E402

REPORT_FIELDS = {"position", "file", "offset", "sequenceNumber", "eventName", "outcome",
                 "reason", "httpStatus", "attempts", "ms"}


def seq_of(rec):
    return rec["dynamodb"].get("SequenceNumber")


def dumps_records(records):
    """A Lambda event whose record texts are known: returns (bytes, [raw bytes per record])."""
    raws = [json.dumps(r, ensure_ascii=False).encode("utf-8") for r in records]
    return b'{"Records": [\n' + b",\n".join(raws) + b"\n]}\n", raws


class OperatorTest(harness.IntegrationTestCase):

    # -- --report ------------------------------------------------------------

    def check_report_line(self, line, path, data):
        """Shared checks: field set and types, offset pointing at the record."""
        self.assertEqual(set(line), REPORT_FIELDS, line)
        self.assertEqual(line["file"], path)
        self.assertIsInstance(line["position"], int)
        self.assertIsInstance(line["attempts"], int)
        self.assertIsInstance(line["ms"], int)
        self.assertGreaterEqual(line["ms"], 0)
        # offset is a byte offset: the record's JSON starts there.
        obj, _ = json.JSONDecoder().raw_decode(data[line["offset"]:].decode("utf-8"))
        self.assertEqual(obj["dynamodb"].get("SequenceNumber"), line["sequenceNumber"])
        self.assertEqual(obj.get("eventName"), line["eventName"])

    def test_report_outcomes_live(self):
        faults = {"acme:flaky": {"always": 503}, "acme:bad": {"always": 400}}
        d = self.start_dispatcher(seed=seed_doc([("acme", "ok"), ("acme", "flaky"),
                                                 ("acme", "bad")], faults))
        file1 = [insert("11", "acme", "ok"), modify("12", "acme", "ok"),
                 insert("13", "acme", "deleted-task"), malformed("14")]
        file2 = [insert("21", "acme", "flaky"), insert("22", "acme", "bad"),
                 remove("23", "acme", "ok")]
        p1, p2 = self.path("one.json"), self.path("two.json")
        data1, _ = dumps_records(file1)
        data2, _ = dumps_records(file2)
        harness.write_text(p1, data1)
        harness.write_text(p2, data2)
        report = self.path("report.jsonl")
        res = self.run_tool(["-u", d.url, "--retries", "1", "--report", report, p1, p2])
        self.assertEqual(res.rc, 1, res)
        self.assertEqual(res.failures, ["14", "21", "22"])
        rep = harness.read_jsonl(report)
        self.assertEqual(len(rep), 7)
        self.assertEqual([r["position"] for r in rep], list(range(1, 8)))
        for line, path, data in zip(rep, [p1] * 4 + [p2] * 3, [data1] * 4 + [data2] * 3):
            self.check_report_line(line, path, data)
        by = {r["sequenceNumber"]: r for r in rep}
        expect = {
            # seq: (eventName, outcome, httpStatus, attempts)
            "11": ("INSERT", "acknowledged", 200, 1),
            "12": ("MODIFY", "skipped", None, 0),
            "13": ("INSERT", "task_deleted", 200, 1),
            "14": ("INSERT", "parse_error", None, 0),
            "21": ("INSERT", "transient", 503, 2),
            "22": ("INSERT", "rejected", 400, 1),
            "23": ("REMOVE", "skipped", None, 0),
        }
        for seqno, (ev, outcome, status, attempts) in expect.items():
            r = by[seqno]
            self.assertEqual((r["eventName"], r["outcome"], r["httpStatus"], r["attempts"]),
                             (ev, outcome, status, attempts), r)
        self.assertIn("owner", by["14"]["reason"])
        self.assertIn("503", by["21"]["reason"])
        self.assertIn("400", by["22"]["reason"])
        # ms covers the retry: two attempts, a backoff in between (>= 0 ms).
        self.assertGreaterEqual(by["21"]["ms"], by["11"]["ms"])
        # The calls the report claims match what the dispatcher saw.
        per_task = {}
        for q in d.requests():
            per_task[q["body_json"]["taskId"]] = per_task.get(q["body_json"]["taskId"], 0) + 1
        self.assertEqual(per_task, {"ok": 1, "deleted-task": 1, "flaky": 2, "bad": 1})

    def test_report_not_attempted(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "a"), ("acme", "b")],
                                                {"acme:b": {"always": 403}}))
        recs = [insert("1", "acme", "a"), insert("2", "acme", "b"), insert("3", "acme", "a", event_sequence=2),
                modify("4", "acme", "a"), insert("5", "acme", "c")]
        ev = self.write_event(recs)
        report = self.path("r.jsonl")
        res = self.run_tool(["-u", d.url, "-j", "1", "--report", report, ev])
        self.assertEqual(res.rc, 5, res)
        self.assertEqual(res.failures, ["2", "3", "5"])
        rep = harness.read_jsonl(report)
        with open(ev, "rb") as f:
            data = f.read()
        for line in rep:
            self.check_report_line(line, ev, data)
        self.assertEqual([(r["outcome"], r["httpStatus"], r["attempts"]) for r in rep],
                         [("acknowledged", 200, 1), ("rejected", 403, 1),
                          ("not_attempted", None, 0), ("skipped", None, 0),
                          ("not_attempted", None, 0)])
        self.assertIn("403", rep[2]["reason"])

    def test_report_interrupted_and_partial(self):
        faults = {"acme:slow": {"delayMs": 20000}}
        d = self.start_dispatcher(seed=seed_doc([("acme", "fast"), ("acme", "slow")], faults))
        recs = [insert("1", "acme", "fast"), insert("2", "acme", "slow"),
                insert("3", "acme", "fast", event_sequence=2), malformed("4")]
        ev = self.write_event(recs)
        report = self.path("r.jsonl")
        failed = self.path("failed.json")
        p = harness.start_tool(["-u", d.url, "-j", "1", "--report", report,
                                "--failed-out", failed, ev])
        try:
            # Written as records finish: the first line is there while the run hangs.
            deadline = time.monotonic() + 10
            while not harness.read_jsonl(report) and time.monotonic() < deadline:
                time.sleep(0.02)
            partial = harness.read_jsonl(report)
            self.assertEqual([r["outcome"] for r in partial], ["acknowledged"])
            d.wait_requests(1)
            time.sleep(0.2)
        finally:
            out, err, _ = harness.signal_and_wait(p, signal.SIGTERM)
        self.assertEqual(p.returncode, 143, err)
        rep = harness.read_jsonl(report)
        self.assertEqual([r["outcome"] for r in rep],
                         ["acknowledged", "interrupted", "interrupted", "parse_error"])
        self.assertEqual(rep[1]["attempts"], 1)
        self.assertEqual(rep[2]["attempts"], 0)
        self.assertEqual(json.loads(out)["batchItemFailures"],
                         [{"itemIdentifier": s} for s in ("2", "3", "4")])
        with open(failed, "rb") as f:
            self.assertEqual(json.load(f)["Records"], recs[1:])
        self.assertFalse(glob.glob(failed + ".tmp*"))

    def test_continuation_says_it_does_not_send_what_the_stop_cut(self):
        # From review 61: after a stop the continuation starts after the records the stop cut
        # short; only the stop line said where they are, and an operator copies the command.
        faults = {"acme:slow": {"delayMs": 20000}}
        d = self.start_dispatcher(seed=seed_doc([("acme", "slow")], faults))
        line = json.dumps({"eventName": "INSERT", "dynamodb": {
            "SequenceNumber": "1", "NewImage": insert("1", "acme", "slow")["dynamodb"]["NewImage"]}})
        for failed_out, said in ((None, "they are kept by SequenceNumber only"),
                                 (self.path("f.json"), "replay the --failed-out file too")):
            args = ["-u", d.url, "-j", "1", "--no-progress"]
            args += ["--failed-out", failed_out] if failed_out else []
            rfd, wfd = os.pipe()
            os.write(wfd, (line + "\n").encode())  # and the pipe stays open: input unread
            p = harness.start_tool(args + ["-"], stdin=rfd)
            os.close(rfd)
            try:
                time.sleep(1.0)  # the call is in flight: the dispatcher holds it 20 s
            finally:
                out, err, _ = harness.signal_and_wait(p, signal.SIGINT)
                os.close(wfd)
            self.assertEqual(p.returncode, 130, err)
            err = err.decode()
            self.assertIn("continue with: ", err)
            self.assertIn("the continuation does not send the 1 record the stop cut short "
                          "(listed in the response): " + said, err)
            self.assertEqual(json.loads(out)["batchItemFailures"], [{"itemIdentifier": "1"}])

    def test_fifo_without_a_writer_stops_on_a_signal_as_a_signal(self):
        # A named pipe no one writes to: SIGTERM and --max-time end the wait for its writer
        # with their own exit status (143, 124) and a continuation naming the same pipe, not
        # as an input error (exit 3, "cannot open: Interrupted system call").
        fifo = self.path("in.fifo")
        os.mkfifo(fifo)
        p = harness.start_tool(["-n", fifo])
        time.sleep(0.5)
        out, err, took = harness.signal_and_wait(p, signal.SIGTERM)
        err = err.decode()
        self.assertEqual(p.returncode, 143, err)
        self.assertLess(took, 5)
        self.assertIn("in.fifo: reading stopped with 0 bytes of it read", err)
        self.assertNotIn("Interrupted system call", err)
        r = self.run_tool(["-n", "--max-time", "0.5", fifo])
        self.assertEqual(r.rc, 124, r.stderr)
        self.assertRegex(r.stderr, r"continue with: \S*a2a-recover -n --max-time 0\.5 "
                         r"--resume-from 0 \S*in\.fifo")

    def test_dry_run_classifies_what_the_drain_reads_after_a_signal(self):
        # Reading goes on for half a second after a signal. In a dry run the records read
        # then are classified like the rest (would_dispatch, skipped): no call was to be made,
        # so none of them is "interrupted" nor listed in batchItemFailures.
        before = [insert("1", "acme", "a"), remove("2", "acme", "b")]
        after = [insert("3", "acme", "c"), insert("4", "acme", "d")]
        line = lambda r: json.dumps(r).encode() + b"\n"  # noqa: E731
        report = self.path("r.jsonl")
        p = harness.start_tool(["-n", "--report", report, "-"], stdin=subprocess.PIPE)
        try:
            p.stdin.write(b"".join(line(r) for r in before))
            p.stdin.flush()
            deadline = time.monotonic() + 10
            while len(harness.read_jsonl(report)) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            p.send_signal(signal.SIGTERM)
            p.stdin.write(b"".join(line(r) for r in after))
            p.stdin.close()
            p.wait(timeout=10)
            out, err = p.stdout.read(), p.stderr.read()
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        self.assertEqual(p.returncode, 143, err)
        rep = harness.read_jsonl(report)
        self.assertEqual([(r["sequenceNumber"], r["outcome"]) for r in rep],
                         [("1", "would_dispatch"), ("2", "skipped"), ("3", "would_dispatch"),
                          ("4", "would_dispatch")])
        self.assertEqual(json.loads(out), {"batchItemFailures": []})

    def test_stop_line_tells_listed_failures_from_the_stop(self):
        # A stop that cut no record short says so, and says that the records listed all the
        # same failed on their own: "no record read was left unacknowledged" beside a
        # non-empty batchItemFailures read as a contradiction.
        d = self.start_dispatcher(seed=seed_doc([("acme", "a"), ("acme", "c")]))
        records = [insert("1", "acme", "a"), malformed("2"), insert("3", "acme", "c")]
        report = self.path("r.jsonl")
        p = harness.start_tool(["-u", d.url, "--report", report, "-"], stdin=subprocess.PIPE)
        try:
            p.stdin.write(b"".join(json.dumps(r).encode() + b"\n" for r in records))
            p.stdin.flush()
            deadline = time.monotonic() + 10
            while len(harness.read_jsonl(report)) < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            out, err, _ = harness.signal_and_wait(p, signal.SIGINT)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        err = err.decode()
        self.assertEqual(p.returncode, 130, err)
        self.assertEqual(json.loads(out), {"batchItemFailures": [{"itemIdentifier": "2"}]})
        self.assertIn("interrupted by signal 2; the stop cut no record short; the 1 listed "
                      "failed before it, not by it", err)

    def test_fifo_reached_after_max_time_does_not_wait_forever(self):
        # --max-time passes while the first file is still read (more records than the window,
        # calls that take 3 s); the run then lists the rest of it and comes to a named pipe
        # no one writes to. A blocking open() would never return: the signal is long gone.
        d = self.start_dispatcher(fail_rate=1, fault_mix="delay", delay_ms=3000)
        batch, _ = self.gen_batch(6000)
        fifo = self.path("late.fifo")
        os.mkfifo(fifo)
        r = self.run_tool(["-q", "-u", d.url, "--retries", "0", "-j", "1", "--max-time", "1",
                           batch, fifo], timeout=30)
        self.assertEqual(r.rc, 124, r.stderr)
        self.assertLess(r.elapsed, 15)
        self.assertIn("late.fifo: reading stopped with 0 bytes of it read", r.stderr)

    # -- --failed-out round trip ---------------------------------------------------

    def test_failed_out_round_trip(self):
        tasks = [("acme", "t%d" % i) for i in range(20)]
        faults = {"acme:t3": {"always": 503}, "acme:t7": {"always": 503},
                  "acme:t5": {"always": 400}, "acme:t11": {"always": 0},
                  "acme:t13": {"statuses": [503]}}
        recs = []
        for i in range(20):
            recs.append(insert("%d" % (100 + i), "acme", "t%d" % i, owner="öwner \"%d\"" % i))
            if i % 6 == 0:
                recs.append(modify("%d" % (300 + i), "acme", "t%d" % i))
        recs.insert(4, malformed("400"))
        recs.insert(9, insert(None, "acme", "t5", event_sequence=99))  # no SequenceNumber
        recs.append(insert("500", "acme", "unknown-task"))
        data, raws = dumps_records(recs)
        ev = harness.write_text(self.path("in.json"), data)
        failed = self.path("failed.json")

        d1 = self.start_dispatcher(seed=seed_doc(tasks, faults))
        res1 = self.run_tool(["-u", d1.url, "-j", "4", "--retries", "1", "--failed-out", failed,
                              ev])
        self.assertEqual(res1.rc, 4, res1)  # a failed record without SequenceNumber
        bad = {"103", "105", "107", "111", "400"}  # 503s, 400, resets, malformed
        self.assertEqual(res1.failures, [seq_of(r) for r in recs if seq_of(r) in bad])
        with open(failed, "rb") as f:
            fo_bytes = f.read()
        fo = json.loads(fo_bytes)
        self.assertEqual(list(fo), ["Records"])
        fo_recs = fo["Records"]
        failed_idx = [i for i, r in enumerate(recs)
                      if seq_of(r) in res1.failures or seq_of(r) is None]
        self.assertEqual(fo_recs, [recs[i] for i in failed_idx])
        for i in failed_idx:  # byte-faithful
            self.assertIn(raws[i], fo_bytes)
        self.assertFalse(glob.glob(failed + ".tmp*"))

        # Faults removed: exactly the previously failed records are sent and acknowledged.
        d2 = self.start_dispatcher(seed=seed_doc(tasks))
        failed2 = self.path("failed2.json")
        res2 = self.run_tool(["-u", d2.url, "-j", "4", "--failed-out", failed2, failed])
        self.assertEqual(res2.rc, 1, res2)
        self.assertEqual(res2.failures, ["400"])  # still malformed
        sent = sorted(harness.key_of_request(q) for q in d2.requests())
        want = sorted(("acme", r["dynamodb"]["NewImage"]["taskId"]["S"],
                       int(r["dynamodb"]["NewImage"]["eventSequence"]["N"]))
                      for r in fo_recs if "owner" in r["dynamodb"]["NewImage"])
        self.assertEqual(sent, want)
        self.assertEqual({q["status"] for q in d2.requests()}, {200})
        with open(failed2, "rb") as f:
            self.assertEqual(json.loads(f.read())["Records"], [recs[4]])
        # And the third round has nothing left to send.
        d3 = self.start_dispatcher(seed=seed_doc(tasks))
        res3 = self.run_tool(["-u", d3.url, failed2])
        self.assertEqual(res3.rc, 1, res3)
        self.assertEqual(d3.requests(), [])

    def test_failed_out_empty_when_all_acknowledged(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "a")]))
        failed = self.path("failed.json")
        res = self.run_tool(["-u", d.url, "--failed-out", failed,
                             self.write_event([insert("1", "acme", "a"),
                                               modify("2", "acme", "a")])])
        self.assertEqual(res.rc, 0, res)
        with open(failed) as f:
            self.assertEqual(json.load(f), {"Records": []})

    # -- -o atomicity ----------------------------------------------------------------

    def _o_sigterm(self, pre_existing, delay, sig=signal.SIGTERM):
        n = 40
        faults = {"acme:t%d" % i: {"delayMs": 300} for i in range(n)}
        d = self.start_dispatcher(seed=seed_doc([("acme", "t%d" % i) for i in range(n)], faults))
        ev = self.write_event([insert(str(i), "acme", "t%d" % i) for i in range(n)])
        outdir = self.path("out-%s-%s-%s" % (pre_existing, delay, sig))
        os.mkdir(outdir)
        out = os.path.join(outdir, "response.json")
        old = b'{"batchItemFailures":[{"itemIdentifier":"old"}]}\n'
        if pre_existing:
            harness.write_text(out, old)
        p = harness.start_tool(["-u", d.url, "-j", "2", "-o", out, ev])
        try:
            time.sleep(delay)
        finally:
            stdout, stderr, _ = harness.signal_and_wait(p, sig)
        self.assertEqual(stdout, b"")
        names = sorted(os.listdir(outdir))
        return p.returncode, stderr, out, old, names

    def test_output_atomic_on_sigterm(self):
        for pre_existing in (False, True):
            for delay in (0.05, 0.4, 1.0):
                with self.subTest(pre_existing=pre_existing, delay=delay):
                    rc, stderr, out, old, names = self._o_sigterm(pre_existing, delay)
                    self.assertEqual(rc, 143, stderr)
                    # Never a temporary left behind; the file is whole.
                    self.assertIn(names, ([], ["response.json"]), names)
                    if names:
                        with open(out, "rb") as f:
                            data = f.read()
                        if data != old:
                            self.assertTrue(data.endswith(b"]}\n"), data)
                            doc = json.loads(data)
                            self.assertEqual(list(doc), ["batchItemFailures"])
                            # Everything not acknowledged yet is listed.
                            self.assertGreater(len(doc["batchItemFailures"]), 0)

    def test_output_never_partial_on_sigkill(self):
        for pre_existing in (False, True):
            with self.subTest(pre_existing=pre_existing):
                rc, stderr, out, old, names = self._o_sigterm(pre_existing, 0.4,
                                                              signal.SIGKILL)
                self.assertEqual(rc, -signal.SIGKILL)
                if pre_existing:
                    with open(out, "rb") as f:
                        self.assertEqual(f.read(), old)
                else:
                    self.assertFalse(os.path.exists(out))

    def test_bad_output_path_sends_nothing(self):
        # Every output is opened before the first call: a path that cannot be written is a
        # usage error, and the dispatcher never hears of the batch.
        d = self.start_dispatcher(seed=seed_doc([("acme", "a")]))
        ev = self.write_event([insert("1", "acme", "a")])
        bad = os.path.join(self.path("no-such-dir"), "x.json")
        for opt in ("-o", "--failed-out", "--report"):
            with self.subTest(opt=opt):
                res = self.run_tool(["-u", d.url, opt, bad, ev])
                self.assertEqual(res.rc, 2, res)
                self.assertEqual(res.stdout, "")
                self.assertIn("%s %s: cannot create" % (opt, bad), res.stderr)
                self.assertEqual(d.requests(), [])

    def test_output_file_matches_stdout(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "a")], {"acme:a": {"always": 400}}))
        ev = self.write_event([insert("1", "acme", "a"), insert("2", "acme", "b"),
                               malformed("3")])
        out = self.path("resp.json")
        r1 = self.run_tool(["-u", d.url, ev])
        r2 = self.run_tool(["-u", d.url, "-o", out, ev])
        self.assertEqual((r1.rc, r2.rc), (1, 1))
        self.assertEqual(r2.stdout, "")
        with open(out) as f:
            self.assertEqual(f.read(), r1.stdout)
        self.assertEqual(sorted(os.listdir(self.tmp)).count("resp.json"), 1)
        self.assertFalse(glob.glob(out + ".tmp*"))

    # -- standard input -----------------------------------------------------------------

    def test_libcurl_opened_only_by_runs_that_call(self):
        """A dry run of files calls nobody and never opens libcurl: linking it made every
        start load it and the libraries under it (4 ms a run). A run that calls opens it,
        through the dynamic loader (LD_DEBUG=files names each object it maps, and how)."""
        path = self.write_event([insert("1", "acme", "t1")])
        dry = self.run_tool(["-n", "-q", path], env={"LD_DEBUG": "files"})
        self.assertEqual(dry.rc, 0, dry)
        self.assertIn("file=", dry.stderr, "LD_DEBUG=files printed nothing: no evidence")
        self.assertFalse("libcurl" in dry.stderr, "a dry run of a file opened libcurl")
        d = self.start_dispatcher(seed=seed_doc([("acme", "t1")]))
        live = self.run_tool(["-q", "-u", d.url, path], env={"LD_DEBUG": "files"})
        self.assertEqual(live.rc, 0, live)
        self.assertEqual(len(d.requests()), 1)
        self.assertRegex(live.stderr, r"file=libcurl[^ ]*\.so\.[0-9]+ \[0\];  dynamically loaded by ")
        self.assertNotRegex(live.stderr, r"file=libcurl[^ ]* \[0\];  needed by ")

    def fake_libcurl(self, kind):
        """LD_LIBRARY_PATH with a stand-in libcurl first (tests/tools/fake_libcurl.c)."""
        base = os.environ.get("A2A_FAKE_LIBCURL_DIR") or os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(harness.BIN))),
            "tests", "integration", "fake-libcurl")
        d = os.path.join(base, kind)
        self.assertTrue(os.path.isdir(d), "no stand-in libcurl at %s: build the fake_libcurl_*"
                        " targets, or set A2A_FAKE_LIBCURL_DIR" % d)
        return {"LD_LIBRARY_PATH": d}

    def test_libcurl_unusable(self):
        """A libcurl that is too old, or lacks a function, is refused with the reason: a run
        that calls stops (exit 3) before it reads or sends anything, --version fails the same
        way, and a dry run of files, which never opens libcurl, is not affected."""
        d = self.start_dispatcher(seed=seed_doc([("acme", "t1")]))
        path = self.write_event([insert("1", "acme", "t1")])
        arn = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024-01-01T00:00:00.000"
        for kind, why in (("old", "it is libcurl 7.1.0, older than the "),
                          ("partial", "it has no curl_url_set()")):
            env = self.fake_libcurl(kind)
            for args in (["-q", "-u", d.url, path],
                         ["-n", "-q", "--stream", arn, "--endpoint-url", "http://127.0.0.1:9"]):
                r = self.run_tool(args, env=env)
                self.assertEqual(r.rc, 3, r)
                self.assertEqual(r.stdout, "", r)
                self.assertIn("a2a-recover: cannot use ", r.stderr)
                self.assertIn(why, r.stderr)
            v = self.run_tool(["--version"], env=env)
            self.assertEqual(v.rc, 3, v)
            self.assertRegex(v.stdout, r"^a2a-recover [0-9][^ ]*\n$")
            self.assertIn(why, v.stderr)
            dry = self.run_tool(["-n", "-q", path], env=env)
            self.assertEqual(dry.rc, 0, dry)
            self.assertEqual(json.loads(dry.stdout), {"batchItemFailures": []})
        self.assertEqual(len(d.requests()), 0)

    def test_missing_file_operand_stops_before_any_call(self):
        """`a2a-recover -u URL good.json typo.json`: every FILE is looked at before the first
        call, so a mistyped (or unreadable, or directory) last operand costs nothing: exit 3,
        no request, empty standard output, the operand named. It was found at its turn, after
        the files before it were dispatched."""
        d = self.start_dispatcher(seed=seed_doc([("acme", "t1")]))
        good = self.write_event([insert("1", "acme", "t1")])
        adir = tempfile.mkdtemp(dir=self.tmp)
        summary = self.path("summary.json")
        for bad, why in ((os.path.join(self.tmp, "typo.json"), "No such file or directory"),
                         (adir, "is a directory, not a file")):
            r = self.run_tool(["-u", d.url, "--summary-json", summary, good, bad])
            self.assertEqual(r.rc, 3, r)
            self.assertEqual(r.stdout, "", r)
            self.assertIn("%s: " % bad, r.stderr)
            self.assertIn(why, r.stderr)
            self.assertIn("nothing was read or sent", r.stderr)
            with open(summary) as f:
                got = json.load(f)
            self.assertEqual((got["complete"], got["exitStatus"], got["records"]), (False, 3, 0))
        # a named pipe and process substitution's /dev/fd/N are looked at, not opened
        fifo = self.path("in.fifo")
        os.mkfifo(fifo)
        with open(good, "rb") as f:
            body = f.read()
        writer = subprocess.Popen(["sh", "-c", 'cat "$1" > "$2"', "sh", good, fifo])
        r = self.run_tool(["-n", "-q", fifo, "/dev/fd/0"], input=body.decode())
        writer.wait(timeout=10)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(d.requests()), 0)
        r = self.run_tool(["-u", d.url, good])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(d.requests()), 1)

    def test_stdin_file_partly_read(self):
        """`{ read -r line; a2a-recover -n; } < FILE`: byte 0 of the input is not the file's.
        A dry run over a large file scans it ahead at the file's own offsets; on such a standard
        input that handed one record out twice (found on a file whose lines are all one
        length). Each record must be read once, as through a pipe."""
        batch, _ = self.gen_batch(3000, shape="ndjson")
        with open(batch, "rb") as f:
            lines = [ln for ln in f.read().split(b"\n") if ln]
        width = max(len(ln) for ln in lines)
        padded = self.path("padded.json")
        with open(padded, "wb") as f:  # white space before each record: every line one length
            f.write(b"".join(b" " * (width - len(ln)) + ln + b"\n" for ln in lines))
        runs = []
        for how in ("file", "pipe"):
            report = self.path("report-%s.jsonl" % how)
            with open(padded, "rb") as f:
                f.seek(width + 1)  # the first line read by someone else
                if how == "file":  # the tool shares f's offset: leave it alone from here on
                    p = harness.start_tool(["-n", "-q", "--report", report], stdin=f)
                    out, err = p.communicate(timeout=60)
                else:
                    p = harness.start_tool(["-n", "-q", "--report", report],
                                           stdin=subprocess.PIPE)
                    out, err = p.communicate(f.read(), timeout=60)
            self.assertIn(p.returncode, (0, 1), err)
            with open(report) as f:
                runs.append((out, [json.loads(ln) for ln in f]))
        (file_out, file_report), (pipe_out, pipe_report) = runs
        self.assertEqual(len(file_report), len(lines) - 1)
        seqs = [r["sequenceNumber"] for r in file_report]
        self.assertEqual(len(seqs), len(set(seqs)), "a record was handed out twice")
        self.assertEqual(file_report, pipe_report)
        self.assertEqual(file_out, pipe_out)

    # -- --rate ------------------------------------------------------------------------

    def test_rate_limit(self):
        self._rate_limit(["-j", "8"])

    def test_rate_limit_on_four_engine_threads_has_no_burst(self):
        # One schedule for all threads: four threads do not start four calls at once.
        self._rate_limit(["-j", "8", "--threads", "4"])

    def _rate_limit(self, engine_args):
        rate, n = 20, 40
        d = self.start_dispatcher()
        ev = self.write_event([insert(str(i), "acme", "t%d" % i) for i in range(n)])
        res = self.run_tool(["-u", d.url] + engine_args + ["--rate", str(rate), ev])
        self.assertEqual(res.rc, 0, res)
        reqs = d.requests()
        self.assertEqual(len(reqs), n)
        ts = sorted(q["ts"] for q in reqs)
        span = ts[-1] - ts[0]
        # n calls at 20/s: (n-1)/rate = 1.95 s between the first and the last start.
        # The server stamps a request when it handles it: allow 0.1 s of jitter.
        self.assertGreaterEqual(span, (n - 1) / rate - 0.35, span)
        self.assertLess(span, (n - 1) / rate + 1.0, span)
        self.assertGreaterEqual(res.elapsed, (n - 1) / rate - 0.1, res)
        self.assertLess(res.elapsed, 4.0)
        worst = max(sum(1 for t in ts if t0 <= t < t0 + 0.9) for t0 in ts)
        self.assertLessEqual(worst, rate + 1, "starts within 0.9 s: %d (%r)" % (worst, ts))

    def test_rate_limit_above_1000_per_second(self):
        self._rate_limit_fast(["-j", "8"])

    def test_rate_limit_shared_by_two_engine_threads(self):
        # Each thread keeps half the rate: together they keep the limit, and reach it.
        self._rate_limit_fast(["-j", "8", "--threads", "2"])

    def _rate_limit_fast(self, engine_args):
        # The limit must hold for rates whose gap between starts is under a millisecond.
        rate, n = 1500, 3000
        batch, _ = self.gen_batch(n, seed=3, malformed_frac=0, modify_frac=0, remove_frac=0)
        d = self.start_dispatcher()
        res = self.run_tool(["-u", d.url] + engine_args + ["--rate", str(rate), "-q", batch])
        self.assertEqual(res.rc, 0, res)
        self.assertLess(res.elapsed, (n - 1) / rate + 1.5, "the rate was not reached")
        ts = sorted(q["ts"] for q in d.requests())
        self.assertEqual(len(ts), n)
        self.assertGreaterEqual(res.elapsed, (n - 1) / rate - 0.25,
                                "%d calls at --rate %d took %.2f s" % (n, rate, res.elapsed))
        j = 0
        worst = 0
        for i, t in enumerate(ts):  # sliding window; 0.1 s allowed for server jitter
            while ts[j] < t - 0.9:
                j += 1
            worst = max(worst, i - j + 1)
        self.assertLessEqual(worst, rate * 1.05 + 1, "starts within one second: %d" % worst)

    def test_rate_zero_is_unlimited(self):
        d = self.start_dispatcher()
        ev = self.write_event([insert(str(i), "acme", "t%d" % i) for i in range(100)])
        res = self.run_tool(["-u", d.url, "--rate", "0", ev])
        self.assertEqual(res.rc, 0, res)
        self.assertLess(res.elapsed, 2.0)

    # -- progress and summary ---------------------------------------------------------------

    def run_pty(self, args, timeout=60):
        """Run the tool with a pseudo-terminal as stderr; returns (rc, stdout, tty bytes, s)."""
        harness.require_bin()
        master, slave = pty.openpty()
        outpath = self.path("pty-stdout")
        t0 = time.monotonic()
        with open(outpath, "wb") as out:
            p = subprocess.Popen([harness.BIN] + args, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=slave, env=harness.tool_env())
        os.close(slave)
        chunks = []
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                r, _, _ = select.select([master], [], [], 0.1)
                if r:
                    try:
                        data = os.read(master, 65536)
                    except OSError as e:  # EIO: the child closed its end
                        if e.errno != errno.EIO:
                            raise
                        break
                    if not data:
                        break
                    chunks.append(data)
                elif p.poll() is not None:
                    break
        finally:
            os.close(master)
            if p.poll() is None:
                p.kill()
            p.wait()
        elapsed = time.monotonic() - t0
        with open(outpath, "rb") as f:
            stdout = f.read()
        return p.returncode, stdout, b"".join(chunks), elapsed

    def test_progress_on_terminal(self):
        batch, summary = self.gen_batch(3000, seed=5)
        d = self.start_dispatcher()
        rc, stdout, tty, elapsed = self.run_pty(["-u", d.url, batch])
        self.assertEqual(rc, 1, tty)
        text = tty.decode("utf-8", "replace")
        self.assertIn("\x1b[K", text)
        # Records read is a count so far, never shown as a total ("N/M records").
        self.assertNotRegex(text, r"\d+/\d+ records")
        draws = re.findall(r"\r\x1b\[K(\d+) done \((\d+) acknowledged, (\d+) failed\), "
                           r"(\d+) in flight, (\d+) read so far; (?:(\d+)% of [\d.]+ MB read, "
                           r"ETA [-\d:]+|all of [\d.]+ MB read); \d+:\d\d elapsed, (\d+)/s",
                           text)
        self.assertTrue(draws, text[:2000])
        for done, acked, failed, in_flight, read, percent, _rate in draws:
            self.assertLessEqual(int(acked) + int(failed), int(done))  # the rest skipped
            self.assertLessEqual(int(done) + int(in_flight), int(read))
            self.assertLessEqual(int(read), 3000)
            self.assertLessEqual(int(percent or 0), 100)
        # Refreshed at most 10 times a second.
        self.assertLessEqual(len(draws), 10 * elapsed + 2, (len(draws), elapsed))
        # Erased at the end: the summary follows an erase, no progress text after it.
        last_erase = text.rindex("\r\x1b[K")
        tail = text[last_erase + 4:]
        self.assertTrue(tail.startswith("a2a-recover: "), repr(tail[:200]))
        self.assertIn("3000 records:", tail)
        self.assertNotIn("/3000 records", tail)
        self.assertEqual(json.loads(stdout)["batchItemFailures"] is not None, True)

    def test_no_progress_when_quiet_or_disabled_on_terminal(self):
        batch, _ = self.gen_batch(1000, seed=5)
        d = self.start_dispatcher()
        for flag in ("-q", "--no-progress"):
            with self.subTest(flag=flag):
                rc, stdout, tty, _ = self.run_pty(["-u", d.url, flag, batch])
                self.assertEqual(rc, 1)
                text = tty.decode("utf-8", "replace")
                self.assertNotIn("\x1b[", text)
                self.assertNotIn("/s ", text.replace("records/s", ""))
                if flag == "-q":
                    self.assertNotIn("records:", text)
                else:
                    self.assertIn("1000 records:", text)

    def test_terminal_on_standard_input_gets_a_hint(self):
        # Review 65: with no FILE and a terminal on standard input, it waited without a word.
        harness.require_bin()
        master, slave = pty.openpty()
        p = subprocess.Popen([harness.BIN, "-n"], stdin=slave, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=harness.tool_env())
        os.close(slave)
        try:
            time.sleep(0.5)
            os.write(master, b"\x04")  # Ctrl-D: the end of the input
            out, err = p.communicate(timeout=30)
        finally:
            os.close(master)
            if p.poll() is None:
                p.kill()
        self.assertEqual(p.returncode, 0, err)
        self.assertIn(b"reading records from standard input, a terminal: paste them and end "
                      b"with Ctrl-D, or give FILE (--help)", err)
        # a pipe gets no such line
        r = self.run_tool(["-n"], input=b"")
        self.assertNotIn("a terminal", r.stderr)

    def test_no_progress_in_pipe(self):
        batch, _ = self.gen_batch(3000, seed=5)
        d = self.start_dispatcher()
        res = self.run_tool(["-u", d.url, batch])
        self.assertEqual(res.rc, 1, res)
        self.assertNotIn("\x1b", res.stderr)
        self.assertNotIn("\r", res.stderr)
        self.assertNotRegex(res.stderr, r"\d+/\d+ records")
        # The summary is the last line of stderr.
        self.assertRegex(res.stderr.splitlines()[-1], r"^a2a-recover: 3000 records: ")

    def test_summary_line(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "a")], {"acme:bad": {"always": 400}}))
        recs = [insert("1", "acme", "a"), insert("2", "acme", "gone"), modify("3", "acme", "a"),
                insert("4", "acme", "bad"), malformed("5"), malformed(None)]
        ev = self.write_event(recs)
        res = self.run_tool(["-u", d.url, ev])
        self.assertEqual(res.rc, 4, res)
        last = res.stderr.splitlines()[-1]
        self.assertRegex(last, r"^a2a-recover: 6 records: 1 skipped, 2 acknowledged "
                               r"\(1 task deleted\), 2 failed, 1 unreportable "
                               r"\(by kind: 2 unparseable, 1 refused\); "
                               r"\d+\.\d{3} s, \d+ records/s$")
        quiet = self.run_tool(["-u", d.url, "-q", ev])
        self.assertEqual(quiet.rc, 4, quiet)
        self.assertEqual(quiet.stdout, res.stdout)
        self.assertNotIn("records:", quiet.stderr)
        ok = self.run_tool(["-u", d.url, "-q", self.write_event([insert("1", "acme", "a")],
                                                                 "ok.json")])
        self.assertEqual((ok.rc, ok.stderr), (0, ""))


if __name__ == "__main__":
    unittest.main()
