#!/usr/bin/env python3
"""Live-path integration tests: a2a-recover against scripts/test-dispatcher.py.

Run: A2A_RECOVER_BIN=build/cli/a2a-recover python3 tests/integration/test_dispatch.py -v
"""

import json
import os
import signal
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import insert, malformed, modify, remove, idempotency_key, seed_doc  # noqa: E402

U64_MAX = 18446744073709551615
I64_MAX = 9223372036854775807



class DispatchTest(harness.IntegrationTestCase):

    def assertListed(self, res, seqs):
        self.assertIsNotNone(res.response, res)
        self.assertEqual(res.failures, [str(s) for s in seqs], res)

    # -- exact request -----------------------------------------------------

    def test_exact_body_and_headers(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "task-1")]))
        tenant = 'ac"me\\ten'
        task = "t\x01\x1f\t\n\r\b\f/é😀\u2028-x y"
        owner = "ow\"ner\\ \u00fc\u4e2d </script>"
        recs = [
            insert("100", "acme", "task-1", owner="alice", event_sequence=U64_MAX,
                   recorded_at=I64_MAX),
            insert("101", tenant, task, owner=owner, event_sequence=0, recorded_at=-5),
        ]
        ev = self.write_event(recs)
        res = self.run_tool(["-u", d.url, "-j", "1", ev])
        self.assertEqual(res.rc, 0, res)
        self.assertListed(res, [])
        reqs = d.requests()
        self.assertEqual(len(reqs), 2, reqs)
        expect = [
            {"tenant": "acme", "taskId": "task-1", "owner": "alice",
             "eventSequence": U64_MAX, "recordedAtMicros": I64_MAX},
            {"tenant": tenant, "taskId": task, "owner": owner,
             "eventSequence": 0, "recordedAtMicros": 0},  # clamped to >= 0
        ]
        for req, exp in zip(reqs, expect):
            raw = req["body"].encode("latin-1")
            # Exactly these keys, parsed from the raw bytes as UTF-8 JSON.
            self.assertEqual(json.loads(raw.decode("utf-8")), exp)
            self.assertEqual(req["method"], "POST")
            self.assertEqual(req["path"], "/internal/push/redispatch")
            h = req["headers"]
            self.assertEqual(h.get("content-type"), "application/json")
            self.assertEqual(h.get("accept"), "application/json")
            self.assertRegex(h.get("user-agent", ""), r"^a2a-recover/\d+\.\d+\.\d+\S*$")
            self.assertNotIn("authorization", h)
            self.assertNotIn("expect", h)
            self.assertEqual(h.get("idempotency-key"),
                             idempotency_key(exp["tenant"], exp["taskId"], exp["eventSequence"]))
            self.assertEqual(int(h.get("content-length")), len(raw))
        # u64 max travels as a bare integer, not a float or a string.
        self.assertIn(b'"eventSequence":18446744073709551615', reqs[0]["body"].encode("latin-1"))
        self.assertIn(b'"recordedAtMicros":9223372036854775807', reqs[0]["body"].encode("latin-1"))
        # The key of the odd record: every reserved byte percent-encoded, upper-case hex.
        key = reqs[1]["headers"]["idempotency-key"]
        self.assertTrue(key.startswith("ac%22me%5Cten:t%01%1F%09%0A%0D%08%0C%2F%C3%A9%F0%9F%98%80"), key)
        self.assertTrue(key.endswith(":0"), key)
        version = self.run_tool(["--version"]).stdout.split()[1]
        self.assertEqual(reqs[0]["headers"]["user-agent"], "a2a-recover/" + version)

    def test_long_body_sends_no_expect(self):
        # Above 1 MiB libcurl would ask for a 100-continue and wait for it before the body;
        # the "Expect:" line such a body carries stops that. (The test dispatcher refuses
        # bodies that long with a 413, but it records the headers first.)
        d = self.start_dispatcher()
        ev = self.write_event([insert("100", "acme", "task-1", owner="o" * ((1 << 20) + 64))])
        res = self.run_tool(["-u", d.url, "-j", "1", "--retries", "0", ev])
        self.assertNotEqual(res.rc, 0, res)
        reqs = d.requests()
        self.assertGreaterEqual(len(reqs), 1, res)
        for req in reqs:
            self.assertNotIn("expect", req["headers"], req)
            self.assertGreater(int(req["headers"]["content-length"]), 1 << 20, req)

    def test_idempotency_key_stable_across_retries(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "a b/c")],
                                                {"acme:a b/c": {"statuses": [503, 0, 200]}}))
        ev = self.write_event([insert("1", "acme", "a b/c", event_sequence=7)])
        res = self.run_tool(["-u", d.url, "--retries", "2", ev])
        self.assertEqual(res.rc, 0, res)
        reqs = d.requests()
        self.assertEqual([r["status"] for r in reqs], [503, 0, 200])
        keys = {r["headers"]["idempotency-key"] for r in reqs}
        self.assertEqual(keys, {"acme:a%20b%2Fc:7"})
        self.assertEqual(len({r["body"] for r in reqs}), 1)

    # -- answers -----------------------------------------------------------

    def test_2xx_dispatched_and_task_deleted(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "task-1")], configs=2))
        report = self.path("report.jsonl")
        ev = self.write_event([insert("1", "acme", "task-1"), insert("2", "acme", "gone"),
                               modify("3", "acme", "task-1"), remove("4", "acme", "task-1")])
        res = self.run_tool(["-u", d.url, "-v", "--report", report, ev])
        self.assertEqual(res.rc, 0, res)
        self.assertListed(res, [])
        outcomes = [r["outcome"] for r in d.requests()]
        self.assertEqual(sorted(outcomes), ["dispatched", "taskDeleted"])
        self.assertEqual(len(d.webhooks()), 2)
        rep = harness.read_jsonl(report)
        self.assertEqual([r["outcome"] for r in rep],
                         ["acknowledged", "task_deleted", "skipped", "skipped"])
        self.assertIn("task_deleted", res.stderr)  # -v logs the answer

    def test_503_then_200(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "t")], {"acme:t": {"statuses": [503]}}))
        report = self.path("r.jsonl")
        res = self.run_tool(["-u", d.url, "--report", report,
                             self.write_event([insert("9", "acme", "t")])])
        self.assertEqual(res.rc, 0, res)
        self.assertListed(res, [])
        self.assertEqual([r["status"] for r in d.requests()], [503, 200])
        rep = harness.read_jsonl(report)
        self.assertEqual((rep[0]["outcome"], rep[0]["attempts"], rep[0]["httpStatus"]),
                         ("acknowledged", 2, 200))

    def _always(self, status, retries, extra=()):
        d = self.start_dispatcher(seed=seed_doc([("acme", "t")], {"acme:t": {"always": status}}))
        report = self.path("r.jsonl")
        args = ["-u", d.url, "--report", report]
        if retries is not None:
            args += ["--retries", str(retries)]
        res = self.run_tool(args + list(extra) + [self.write_event([insert("9", "acme", "t")])])
        return d, res, harness.read_jsonl(report)

    def test_503_until_retries_run_out(self):
        for retries, attempts in ((None, 3), (3, 4)):
            with self.subTest(retries=retries):
                d, res, rep = self._always(503, retries)
                self.assertEqual(res.rc, 1, res)
                self.assertListed(res, ["9"])
                self.assertEqual(len(d.requests()), attempts)
                self.assertEqual(rep[0]["outcome"], "transient")
                self.assertEqual(rep[0]["attempts"], attempts)
                self.assertEqual(rep[0]["httpStatus"], 503)
                d.stop()

    def test_retries_zero(self):
        d, res, rep = self._always(503, 0)
        self.assertEqual(res.rc, 1, res)
        self.assertListed(res, ["9"])
        self.assertEqual(len(d.requests()), 1)
        self.assertEqual(rep[0]["attempts"], 1)

    def test_nul_in_sequence_number_and_event_name(self):
        # U+0000 in SequenceNumber / eventName, as the handler's Rust Strings hold it:
        # "INSERT\0" is not INSERT; a SequenceNumber with U+0000 is dispatched, and listed
        # exactly when the call fails. It is not part of the request (body or key).
        d = self.start_dispatcher(seed=seed_doc([("acme", "ok"), ("acme", "t")],
                                                {"acme:t": {"always": 503}}))
        report = self.path("r.jsonl")
        ev = self.write_event([insert("1\x002", "acme", "t", event_sequence=3),
                               insert("4\x00", "acme", "ok", event_sequence=4),
                               insert("5", "acme", "ok", event_name="INSERT\x00"),
                               modify("6\x00", "acme", "ok", event_sequence=6)])
        with open(ev, "rb") as f:
            self.assertIn(b'"SequenceNumber": "1\\u00002"', f.read())
        res = self.run_tool(["-u", d.url, "--retries", "0", "-v", "--report", report, ev])
        self.assertEqual(res.rc, 1, res)
        self.assertListed(res, ["1\x002"])
        self.assertIn(b'{"itemIdentifier":"1\\u00002"}', res.stdout_bytes)
        reqs = d.requests()
        self.assertEqual(sorted(r["headers"]["idempotency-key"] for r in reqs),
                         ["acme:ok:4", "acme:t:3"])
        for r in reqs:
            self.assertEqual(set(json.loads(r["body"])),
                             {"tenant", "taskId", "owner", "eventSequence", "recordedAtMicros"})
        rep = harness.read_jsonl(report)
        self.assertEqual([(r["sequenceNumber"], r["eventName"], r["outcome"]) for r in rep],
                         [("1\x002", "INSERT", "transient"), ("4\x00", "INSERT", "acknowledged"),
                          ("5", "INSERT\x00", "skipped"), ("6\x00", "MODIFY", "skipped")])
        self.assertNotIn(b"\x00", res.stderr_bytes)
        self.assertIn("record 1 (seq 1\\u00002): warning: transient failure", res.stderr)

    def test_400_not_retried(self):
        d, res, rep = self._always(400, 2)
        self.assertEqual(res.rc, 1, res)
        self.assertListed(res, ["9"])
        self.assertEqual(len(d.requests()), 1)
        self.assertEqual((rep[0]["outcome"], rep[0]["httpStatus"], rep[0]["attempts"]),
                         ("rejected", 400, 1))

    def test_redirect_not_followed(self):
        # Review 61: a redirect was one record's rejection (exit 1) though every call gets it,
        # and where it pointed was not said. Now it stops the run (exit 5), naming the place.
        d, res, rep = self._always(302, 2)
        self.assertEqual(res.rc, 5, res)
        self.assertListed(res, ["9"])
        reqs = d.requests()
        self.assertEqual(len(reqs), 1, reqs)  # neither retried nor followed to /elsewhere
        self.assertEqual(reqs[0]["path"], "/internal/push/redispatch")
        self.assertEqual((rep[0]["outcome"], rep[0]["httpStatus"]), ("rejected", 302))
        base = d.url.split("/internal/")[0]
        self.assertIn("dispatcher answered HTTP 302, a redirect to %s/elsewhere, not followed: "
                      "a2a-recover does not follow redirects" % base, res.stderr)

    def test_reset_connection_retried(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "t")], {"acme:t": {"statuses": [0]}}))
        res = self.run_tool(["-u", d.url, self.write_event([insert("9", "acme", "t")])])
        self.assertEqual(res.rc, 0, res)
        self.assertListed(res, [])
        statuses = [r["status"] for r in d.requests()]
        self.assertEqual(statuses[0], 0)
        self.assertEqual(statuses[-1], 200)

    def test_reset_until_retries_run_out(self):
        d, res, rep = self._always(0, 1)
        self.assertEqual(res.rc, 5, res)  # no call answered: the dispatcher's fault
        self.assertListed(res, ["9"])
        self.assertEqual(rep[0]["outcome"], "transient")
        self.assertEqual(rep[0]["attempts"], 2)
        self.assertGreaterEqual(len(d.requests()), 2)

    def test_timeout(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "slow"), ("acme", "fast")],
                                                {"acme:slow": {"delayMs": 1500}}))
        report = self.path("r.jsonl")
        ev = self.write_event([insert("1", "acme", "slow"), insert("2", "acme", "fast")])
        res = self.run_tool(["-u", d.url, "--timeout", "0.5", "--retries", "1",
                             "--report", report, ev])
        self.assertEqual(res.rc, 1, res)
        self.assertListed(res, ["1"])
        # Two attempts of 0.5 s plus a backoff of at most 0.2 s, not 2 x 1.5 s.
        self.assertLess(res.elapsed, 1.9, res)
        rep = harness.read_jsonl(report)
        self.assertEqual((rep[0]["outcome"], rep[0]["attempts"]), ("transient", 2))
        self.assertRegex(rep[0]["reason"].lower(), "timeout|timed out")
        self.assertEqual(rep[1]["outcome"], "acknowledged")
        # The server logs a request after its delay: both slow attempts arrive.
        reqs = d.wait_requests(3, timeout=4)
        slow = [r for r in reqs if r["body_json"]["taskId"] == "slow"]
        self.assertEqual(len(slow), 2)

    def test_slow_call_does_not_hold_up_the_others(self):
        # One call hangs longer than --timeout; the 8 others, started with it on fresh
        # connections, must go out and succeed at once (not wait behind it).
        n = 9
        d = self.start_dispatcher(seed=seed_doc([("acme", "t%d" % i) for i in range(n)],
                                                {"acme:t0": {"delayMs": 1500}}))
        ev = self.write_event([insert(str(i), "acme", "t%d" % i) for i in range(n)])
        res = self.run_tool(["-u", d.url, "-j", "8", "--timeout", "1", "--retries", "0", ev])
        self.assertEqual(res.rc, 1, res)
        self.assertListed(res, ["0"])
        reqs = d.wait_requests(n, timeout=3)
        self.assertEqual(sorted(q["body_json"]["taskId"] for q in reqs),
                         ["t%d" % i for i in range(n)])
        # All fast calls were answered before the slow one was.
        self.assertEqual(reqs[-1]["body_json"]["taskId"], "t0")

    def test_slow_call_leaves_the_work_to_the_other_thread(self):
        # Two threads of one call each: while t0 hangs on one, the other must take every
        # other record (work is pulled by whichever thread can start it, never pinned).
        n = 40
        d = self.start_dispatcher(seed=seed_doc([("acme", "t%d" % i) for i in range(n)],
                                                {"acme:t0": {"delayMs": 3000}}))
        ev = self.write_event([insert(str(i), "acme", "t%d" % i) for i in range(n)])
        p = harness.start_tool(["-u", d.url, "-j", "2", "--threads", "2", ev])
        try:
            fast = d.wait_requests(n - 1, timeout=2.0)  # long before t0's 3 s are up
            out, err = p.communicate(timeout=10)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        self.assertEqual(len(fast), n - 1, "records held behind the slow call")
        self.assertNotIn("t0", {q["body_json"]["taskId"] for q in fast})
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(json.loads(out), {"batchItemFailures": []})

    def test_proxy_variables_are_honoured(self):
        # The tool reads the proxy variables once instead of libcurl per call: the answer
        # must stay libcurl's. With http_proxy set, calls go to the proxy (here the test
        # dispatcher, which sees the absolute URL); no_proxy and an empty value opt out.
        # The direct target is a closed loopback port, not a name: a name that does not
        # resolve still sends a DNS query to the configured nameserver, off this machine.
        d = self.start_dispatcher(seed=seed_doc([("acme", "t0")]))
        ev = self.write_event([insert("1", "acme", "t0")])
        far = "http://127.0.0.1:1/internal/push/redispatch"
        for name in ("http_proxy", "all_proxy", "ALL_PROXY"):
            with self.subTest(variable=name):
                before = len(d.requests())
                res = self.run_tool(["-u", far, "--retries", "0", ev],
                                    env={name: d.base_url})
                self.assertEqual(len(d.requests()), before + 1, res)
        for env in ({"http_proxy": d.base_url, "no_proxy": "127.0.0.1"},
                    {"http_proxy": ""}, {"HTTP_PROXY": d.base_url}):
            with self.subTest(env=env):
                before = len(d.requests())
                res = self.run_tool(["-u", far, "--retries", "0", ev], env=env)
                self.assertEqual(len(d.requests()), before, res)
                self.assertEqual(res.rc, 5, res)  # nothing listens on 127.0.0.1:1
                self.assertListed(res, ["1"])

    def test_429_retry_after_honoured(self):
        d = self.start_dispatcher(seed=seed_doc(
            [("acme", "t")], {"acme:t": {"statuses": [429], "retryAfter": "1"}}))
        res = self.run_tool(["-u", d.url, self.write_event([insert("9", "acme", "t")])])
        self.assertEqual(res.rc, 0, res)
        reqs = d.requests()
        self.assertEqual([r["status"] for r in reqs], [429, 200])
        gap = reqs[1]["ts"] - reqs[0]["ts"]
        self.assertGreaterEqual(gap, 0.9, gap)
        self.assertLess(gap, 2.5, gap)

    def test_503_retry_after_http_date(self):
        when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 2))
        d = self.start_dispatcher(seed=seed_doc(
            [("acme", "t")], {"acme:t": {"statuses": [503], "retryAfter": when}}))
        res = self.run_tool(["-u", d.url, self.write_event([insert("9", "acme", "t")])])
        self.assertEqual(res.rc, 0, res)
        reqs = d.requests()
        self.assertEqual([r["status"] for r in reqs], [503, 200])
        # The date has a 1 s resolution: between ~1 and ~2 s from now.
        self.assertGreaterEqual(reqs[1]["ts"] - reqs[0]["ts"], 0.9)

    def test_retry_said_as_it_happens(self):
        # Review 61: a 503 with Retry-After held its record silently until the retry, and the
        # summary never said a call was made again.
        d = self.start_dispatcher(seed=seed_doc(
            [("acme", "t")], {"acme:t": {"statuses": [503], "retryAfter": "3"}}))
        summary = self.path("summary.json")
        p = harness.start_tool(["-u", d.url, "--summary-json", summary,
                                self.write_event([insert("9", "acme", "t")])])
        start = time.monotonic()
        first = p.stderr.readline().decode()
        said_at = time.monotonic() - start
        out, rest = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, (first, rest))
        self.assertIn("record 1 (seq 9): warning: attempt 1 of 3 failed: HTTP 503", first)
        self.assertIn("trying again in 3.0 s, as the dispatcher's Retry-After asked", first)
        self.assertLess(said_at, 2.0, first)  # before the retry, not with the run's end
        self.assertRegex(rest.decode(), r"1 acknowledged .*; 1 retry;")
        self.assertEqual(harness.read_json(summary)["retries"], 1)
        self.assertEqual([r["status"] for r in d.requests()], [503, 200])

    def test_retries_counted_with_quiet_unsaid(self):
        d = self.start_dispatcher(seed=seed_doc(
            [("acme", "t")], {"acme:t": {"statuses": [503, 503]}}))
        summary = self.path("summary.json")
        res = self.run_tool(["-q", "-u", d.url, "--summary-json", summary,
                             self.write_event([insert("9", "acme", "t")])])
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(res.stderr, "", res)  # -q: errors only, and a retry is none
        self.assertEqual(harness.read_json(summary)["retries"], 2)

    def test_dispatcher_gone_mid_run_stops_the_run(self):
        # Review 65: a dispatcher that died mid-run had every later record burn its retries
        # against a closed port and fail, to the end of the input. The run now stops once
        # max(-j, 4) calls in a row were refused after answers; nothing read is lost.
        d = self.start_dispatcher(seed=seed_doc([("acme", "t%d" % i) for i in range(3000)]))
        ev = self.write_event([insert(str(10000 + i), "acme", "t%d" % i) for i in range(3000)])
        report = self.path("r.jsonl")
        p = harness.start_tool(["-u", d.url, "-j", "4", "--rate", "1000", "--report", report,
                                ev])
        d.wait_requests(200)
        d.stop()
        out, err = p.communicate(timeout=60)
        err = err.decode()
        self.assertEqual(p.returncode, 5, err)
        self.assertIn("the dispatcher answered earlier calls, then refused 4 in a row, their "
                      "retries spent: it went away mid-run", err)
        lines = harness.read_jsonl(report)
        outcomes = [l["outcome"] for l in lines if "outcome" in l]
        self.assertEqual(len(outcomes), 3000)
        self.assertGreater(outcomes.count("not_attempted"), 2000, err)  # not tried, listed
        self.assertLessEqual(outcomes.count("transient"), 8, err)  # not burned one by one
        listed = json.loads(out)["batchItemFailures"]
        acked = [l for l in lines if l.get("outcome") in ("acknowledged", "task_deleted")]
        self.assertEqual(len(listed) + len(acked), 3000)  # each one acknowledged or listed

    def test_connection_refused(self):
        url = "http://127.0.0.1:%d/internal/push/redispatch" % harness.free_port()
        ev = self.write_event([insert("1", "acme", "a"), modify("2", "acme", "a"),
                               insert("3", "acme", "b")])
        res = self.run_tool(["-u", url, "--retries", "1", ev])
        self.assertEqual(res.rc, 5, res)  # no call answered (review 61: it was 1)
        self.assertListed(res, ["1", "3"])
        self.assertLess(res.elapsed, 5)

    def test_status_classes(self):
        # One task per status: the first attempt gets it, a retry (if any) gets 200.
        transient = (408, 425, 429, 500, 502, 503, 504, 599)
        permanent = (400, 402, 409, 410, 413, 422, 451)  # 3xx stops the run: its own test
        success = (200, 201, 202, 204, 299)
        faults = {"acme:s%d" % s: {"statuses": [s]} for s in transient + permanent + success}
        d = self.start_dispatcher(seed=seed_doc([("acme", "s%d" % s) for s in
                                                 transient + permanent + success], faults))
        statuses = transient + permanent + success
        recs = [insert(str(s), "acme", "s%d" % s) for s in statuses]
        report = self.path("r.jsonl")
        res = self.run_tool(["-u", d.url, "-j", "8", "--retries", "1", "--report", report,
                             self.write_event(recs)])
        self.assertEqual(res.rc, 1, res)
        self.assertListed(res, [str(s) for s in permanent])
        per = {}
        for q in d.requests():
            per.setdefault(int(q["body_json"]["taskId"][1:]), []).append(q["status"])
        rep = {int(r["sequenceNumber"]): r for r in harness.read_jsonl(report)}
        for s in transient:
            self.assertEqual(per[s], [s, 200], s)
            self.assertEqual((rep[s]["outcome"], rep[s]["attempts"]), ("acknowledged", 2), s)
        for s in permanent:
            self.assertEqual(per[s], [s], s)
            self.assertEqual((rep[s]["outcome"], rep[s]["httpStatus"]), ("rejected", s), s)
        for s in success:
            self.assertEqual(per[s], [s], s)
            self.assertEqual((rep[s]["outcome"], rep[s]["attempts"]), ("acknowledged", 1), s)

    def test_slow_stdin_does_not_stall_calls(self):
        # Records arrive on a pipe in bursts, like `aws dynamodbstreams get-records`
        # page by page. A call whose record was read must go out and complete while
        # the tool waits for the next burst, not when it arrives.
        d = self.start_dispatcher(seed=seed_doc([("acme", "a")]))
        report = self.path("r.jsonl")
        p = harness.start_tool(["-u", d.url, "--timeout", "1", "--retries", "0",
                                "--report", report], stdin=harness.subprocess.PIPE)

        def send(i):
            p.stdin.write(json.dumps(insert(str(i), "acme", "a", event_sequence=i)).encode()
                          + b"\n")
            p.stdin.flush()
        try:
            send(1)
            first = d.wait_requests(1, timeout=2.5)  # longer than --timeout
            # The request has arrived; its answer and the report line follow while stdin
            # stays silent (a loaded machine may take a moment: wait for it, bounded).
            deadline = time.monotonic() + 3
            early = harness.read_jsonl(report)
            while not early and time.monotonic() < deadline:
                time.sleep(0.05)
                early = harness.read_jsonl(report)
            send(2)
            out, err = p.communicate(timeout=10)  # closes stdin
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(len(first), 1, "record 1 was not sent while stdin stayed open")
        self.assertEqual([r["outcome"] for r in early], ["acknowledged"],
                         "record 1 not finished while waiting for input")
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(json.loads(out), {"batchItemFailures": []})
        rep = harness.read_jsonl(report)
        self.assertEqual([r["attempts"] for r in rep], [1, 1], rep)

    def test_sigterm_large_batch_lists_every_unacknowledged(self):
        self._sigterm_large_batch(["-j", "1"])

    def test_sigterm_large_batch_on_three_engine_threads(self):
        self._sigterm_large_batch(["-j", "6", "--threads", "3"])

    def _sigterm_large_batch(self, engine_args):
        n = 8000
        batch, summary = self.gen_batch(n, seed=11)
        with open(batch, "rb") as f:
            records = json.load(f)["Records"]
        d = self.start_dispatcher()
        report = self.path("r.jsonl")
        p = harness.start_tool(["-u", d.url] + engine_args + ["--report", report, batch])
        try:
            d.wait_requests(200, timeout=10)
        finally:
            out, err, took = harness.signal_and_wait(p, signal.SIGTERM)
        self.assertEqual(p.returncode, 143, err[-2000:])
        self.assertLess(took, 1.0)
        listed = [f["itemIdentifier"] for f in json.loads(out)["batchItemFailures"]]
        rep = harness.read_jsonl(report)
        self.assertEqual(len(rep), n, "the input was not read to its end")
        ok = {harness.key_of_request(q) for q in d.requests() if q["status"] == 200}
        expect_listed = []
        for rec, line in zip(records, rep):
            seqno = rec["dynamodb"]["SequenceNumber"]
            if line["outcome"] in ("acknowledged", "task_deleted"):
                img = rec["dynamodb"]["NewImage"]
                key = (img["tenant"]["S"], img["taskId"]["S"], int(img["eventSequence"]["N"]))
                self.assertIn(key, ok)
            elif rec["eventName"] == "INSERT":
                expect_listed.append(seqno)
            else:
                self.assertEqual(line["outcome"], "skipped")
        self.assertEqual(listed, expect_listed)
        self.assertGreater(len(listed), summary["malformed"])  # interrupted ones too

    # -- fail fast -----------------------------------------------------------

    def _fail_fast_batch(self, n=10):
        recs = []
        for i in range(1, n + 1):
            recs.append(insert(str(i), "acme", "task-%d" % i))
        recs.insert(3, modify("900", "acme", "task-1"))
        recs.insert(6, malformed("901"))
        return recs

    def test_401_fail_fast(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "task-%d" % i) for i in range(1, 11)]),
                                  token="right-token")
        recs = self._fail_fast_batch()
        ev = self.write_event(recs)
        report = self.path("r.jsonl")
        res = self.run_tool(["-u", d.url, "-j", "1", "--report", report, ev])
        self.assertEqual(res.rc, 5, res)
        self.assertEqual(len(d.requests()), 1, "calls after the 401")
        listed = [r["dynamodb"]["SequenceNumber"] for r in recs if r["eventName"] == "INSERT"]
        self.assertListed(res, listed)
        self.assertIn("HTTP 401", res.stderr)
        self.assertIn("not attempted", res.stderr)
        self.assertIn("9 records not attempted", res.stderr)
        rep = {r["sequenceNumber"]: r for r in harness.read_jsonl(report)}
        self.assertEqual(rep["1"]["outcome"], "rejected")
        self.assertEqual(rep["1"]["httpStatus"], 401)
        self.assertEqual(rep["2"]["outcome"], "not_attempted")
        self.assertEqual(rep["901"]["outcome"], "parse_error")
        self.assertEqual(rep["900"]["outcome"], "skipped")
        # no token went: the message says so and where one goes, not "refused the credentials"
        self.assertIn("asked for credentials, and none were given: put the token in "
                      "A2A_RECOVER_TOKEN or --token-file (HTTP 401)", res.stderr)
        res = self.run_tool(["-u", d.url, "-j", "1", ev], token="wrong-token")
        self.assertEqual(res.rc, 5, res)
        self.assertIn("dispatcher refused the credentials (HTTP 401)", res.stderr)

    def test_401_fail_fast_after_successes_concurrent(self):
        self._fail_fast_concurrent(["-j", "8"])

    def test_401_fail_fast_on_two_engine_threads(self):
        # The other thread stops starting calls too: the stop is shared, not per thread.
        self._fail_fast_concurrent(["-j", "8", "--threads", "2"])

    def _fail_fast_concurrent(self, engine_args):
        # The 401 comes from one task in the middle; -j 8 has other calls in flight.
        faults = {"acme:task-20": {"always": 401}}
        for i in range(21, 201):
            faults["acme:task-%d" % i] = {"delayMs": 50}
        d = self.start_dispatcher(seed=seed_doc([("acme", "task-%d" % i) for i in range(1, 201)],
                                                faults))
        recs = [insert(str(i), "acme", "task-%d" % i) for i in range(1, 201)]
        res = self.run_tool(["-u", d.url] + engine_args + [self.write_event(recs)])
        self.assertEqual(res.rc, 5, res)
        time.sleep(0.2)  # delayed requests are logged after their delay
        reqs = d.requests()
        n401 = [r["n"] for r in reqs if r["status"] == 401]
        self.assertEqual(len(n401), 1)
        # Calls start in input order, 8 at most at once: after task-20's 401 come at most the
        # calls in flight when it arrived and those started while its answer was being read
        # (another window at most). The dispatcher's log order is not the order calls arrived
        # in (each is logged when answered, by its own thread), so the bound is on task
        # numbers, not on the 401's place in the log.
        started = [int(r["body_json"]["taskId"].split("-")[1]) for r in reqs]
        self.assertLessEqual(max(started), 20 + 2 * 8, sorted(started))
        self.assertEqual(sorted(started)[:20], list(range(1, 21)))  # all before it were sent
        self.assertLess(len(reqs), 60)
        acked = {str(i) for i in range(1, 201)} - set(res.failures)
        ok = {r["body_json"]["taskId"] for r in reqs if r["status"] == 200}
        for seq in acked:
            self.assertIn("task-" + seq, ok)
        self.assertIn("20", res.failures)

    def test_403_404_405_fail_fast(self):
        for status in (403, 404, 405):
            with self.subTest(status=status):
                if status == 404:
                    d = self.start_dispatcher(seed=seed_doc([("acme", "task-1")]))
                    url = d.base_url + "/no/such/path"
                else:
                    d = self.start_dispatcher(seed=seed_doc(
                        [("acme", "task-1")], {"acme:task-%d" % i: {"always": status}
                                               for i in range(1, 11)}))
                    url = d.url
                recs = self._fail_fast_batch()
                res = self.run_tool(["-u", url, "-j", "1", self.write_event(recs)])
                self.assertEqual(res.rc, 5, res)
                self.assertEqual(len(d.requests()), 1)
                self.assertListed(res, [r["dynamodb"]["SequenceNumber"] for r in recs
                                        if r["eventName"] == "INSERT"])
                self.assertIn("HTTP %d" % status, res.stderr)
                self.assertIn("not attempted", res.stderr)
                d.stop()

    # -- ordering, duplicates ------------------------------------------------

    def test_order_kept_with_concurrency_and_mixed_delays(self):
        n = 48
        tasks = [("acme", "task-%02d" % i) for i in range(n)]
        faults = {}
        expected = []
        recs = []
        for i in range(n):
            # Early records are slow, late ones fast: completion order is reversed.
            f = {"delayMs": (n - i) * 8}
            if i % 5 == 2:
                f["always"] = 400
            elif i % 7 == 3:
                f["statuses"] = [503]
            faults["acme:task-%02d" % i] = f
            recs.append(insert("%d" % (1000 + i), "acme", "task-%02d" % i))
            if i % 5 == 2:
                expected.append("%d" % (1000 + i))
            if i % 6 == 5:
                recs.append(malformed("%d" % (5000 + i)))
                expected.append("%d" % (5000 + i))
        d = self.start_dispatcher(seed=seed_doc(tasks, faults))
        report = self.path("r.jsonl")
        res = self.run_tool(["-u", d.url, "-j", "8", "--report", report, self.write_event(recs)])
        self.assertEqual(res.rc, 1, res)
        self.assertListed(res, expected)
        rep = harness.read_jsonl(report)
        self.assertEqual([r["position"] for r in rep], list(range(1, len(recs) + 1)))
        self.assertEqual([r["sequenceNumber"] for r in rep],
                         [r["dynamodb"]["SequenceNumber"] for r in recs])
        # Completion order really differed from input order.
        done = [r["body_json"]["taskId"] for r in d.requests() if r["status"] == 200]
        self.assertNotEqual(done, sorted(done))

    def test_duplicates_fire_one_webhook(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "dup"), ("acme", "other")], configs=2))
        rec = insert("1", "acme", "dup", event_sequence=42)
        recs = [rec, insert("2", "acme", "other"), dict(rec), dict(rec), dict(rec)]
        res = self.run_tool(["-u", d.url, "-j", "8", self.write_event(recs)])
        self.assertEqual(res.rc, 0, res)
        self.assertListed(res, [])
        dup_reqs = [r for r in d.requests() if r["body_json"]["taskId"] == "dup"]
        self.assertEqual(len(dup_reqs), 4)
        hooks = [w for w in d.webhooks() if w["taskId"] == "dup"]
        self.assertEqual(sorted(w["config"] for w in hooks), ["cfg-0", "cfg-1"])

    # -- credentials and headers ---------------------------------------------

    def test_token_sent_and_never_printed(self):
        token = "tok-S3CRET-4242-zz"
        faults = {"acme:bad": {"always": 400}, "acme:flaky": {"always": 503}}
        tasks = [("acme", "good")]
        tf = self.path("token")
        harness.write_text(tf, token + "\n")
        os.chmod(tf, 0o600)
        for how in ("env", "file"):
            with self.subTest(how=how):
                d = self.start_dispatcher(seed=seed_doc(tasks, faults), token=token)
                recs = [insert("1", "acme", "good"), insert("2", "acme", "bad"),
                        insert("3", "acme", "flaky"), malformed("4")]
                ev = self.write_event(recs)
                out = {k: self.path("%s-%s" % (how, k)) for k in ("report", "failed", "resp")}
                for fmt in ("text", "json"):
                    args = ["-u", d.url, "-v", "--retries", "1", "--log-format", fmt,
                            "--report", out["report"], "--failed-out", out["failed"]]
                    env_token = token if how == "env" else None
                    if how == "file":
                        args += ["--token-file", tf]
                    res = self.run_tool(args + [ev], token=env_token)
                    self.assertEqual(res.rc, 1, res)
                    self.assertListed(res, ["2", "3", "4"])
                    res_o = self.run_tool(args + ["-o", out["resp"], ev], token=env_token)
                    self.assertEqual(res_o.rc, 1, res_o)
                    for blob in (res.stdout_bytes, res.stderr_bytes, res_o.stdout_bytes,
                                 res_o.stderr_bytes):
                        self.assertNotIn(token.encode(), blob)
                        self.assertNotIn(b"S3CRET", blob)
                    for p in out.values():
                        with open(p, "rb") as f:
                            self.assertNotIn(b"S3CRET", f.read(), p)
                auths = {r["headers"].get("authorization") for r in d.requests()}
                self.assertEqual(auths, {"Bearer " + token})
                self.assertNotIn(401, [r["status"] for r in d.requests()])
                d.stop()

    def test_extra_headers(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "t")]))
        hf = self.path("headers")
        harness.write_text(hf, "X-Api-Key: key-from-file\nX-Second:  two words\n")
        res = self.run_tool(["-u", d.url, "-H", "X-Tenant-Scope: acme", "-H", "@" + hf,
                             self.write_event([insert("1", "acme", "t")])])
        self.assertEqual(res.rc, 0, res)
        h = d.requests()[0]["headers"]
        self.assertEqual(h.get("x-tenant-scope"), "acme")
        self.assertEqual(h.get("x-api-key"), "key-from-file")
        self.assertEqual(h.get("x-second"), "two words")
        self.assertEqual(h.get("content-type"), "application/json")

    def test_extra_headers_cannot_break_the_contract(self):
        # -H must not duplicate or replace what the endpoint contract fixes: either the
        # option is refused (exit 2) or the request still carries exactly the contract value.
        d = self.start_dispatcher(seed=seed_doc([("acme", "t")]), token="tok-1")
        ev = self.write_event([insert("1", "acme", "t", event_sequence=5)])
        contract = {"idempotency-key": "acme:t:5", "content-type": "application/json",
                    "accept": "application/json", "authorization": "Bearer tok-1",
                    "content-length": None, "transfer-encoding": None}
        for name in ("Idempotency-Key", "Content-Type", "Accept", "Authorization",
                     "Content-Length", "Transfer-Encoding"):
            with self.subTest(header=name):
                before = len(d.requests())
                res = self.run_tool(["-u", d.url, "--retries", "0", "-H", name + ": 3", ev],
                                    token="tok-1")
                if res.rc == 2:
                    self.assertEqual(d.requests()[before:], [])
                    continue
                reqs = d.requests()[before:]
                self.assertEqual(len(reqs), 1, res)
                got = reqs[0]["headers"].get(name.lower())
                want = contract[name.lower()]
                if want is None:  # framing: the tool's own Content-Length, no chunking
                    self.assertEqual(reqs[0]["status"], 200, (res, reqs[0]))
                    self.assertNotIn("transfer-encoding", reqs[0]["headers"])
                else:
                    self.assertEqual(got, want, res)
                self.assertEqual(res.rc, 0, res)

    def test_url_required_and_env(self):
        ev = self.write_event([insert("1", "acme", "t")])
        for args, env in ((["-u", ""], None), ([], None), ([], {"A2A_RECOVER_URL": ""})):
            with self.subTest(args=args, env=env):
                res = self.run_tool(args + [ev], env=env)
                self.assertEqual(res.rc, 2, res)
                self.assertEqual(res.stdout, "")
                self.assertIn("URL", res.stderr)
        d = self.start_dispatcher(seed=seed_doc([("acme", "t")]))
        res = self.run_tool([ev], env={"A2A_RECOVER_URL": d.url})
        self.assertEqual(res.rc, 0, res)
        self.assertListed(res, [])
        self.assertEqual(len(d.requests()), 1)

    # -- signals ----------------------------------------------------------------

    def _signal_run(self, sig, expect_rc, engine_args=("-j", "4")):
        n = 30
        tasks = [("acme", "t%d" % i) for i in range(n)]
        # The first five answer at once; the rest take 20 s (longer than the test).
        faults = {"acme:t%d" % i: {"delayMs": 20000} for i in range(5, n)}
        d = self.start_dispatcher(seed=seed_doc(tasks, faults))
        recs = [insert(str(i), "acme", "t%d" % i) for i in range(n)]
        recs.insert(2, modify("m", "acme", "t0"))
        report = self.path("r.jsonl")
        p = harness.start_tool(["-u", d.url] + list(engine_args) +
                               ["--timeout", "60", "--report", report, self.write_event(recs)])
        try:
            # Wait until the fast five are acknowledged (in the report) and slow ones hang.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if len(harness.read_jsonl(report)) >= 6:
                    break
                time.sleep(0.02)
            time.sleep(0.2)
        finally:
            out, err, took = harness.signal_and_wait(p, sig)
        self.assertEqual(p.returncode, expect_rc, err)
        self.assertLess(took, 1.0, "stopped %.2f s after the signal" % took)
        resp = json.loads(out)
        listed = [f["itemIdentifier"] for f in resp["batchItemFailures"]]
        self.assertEqual(listed, [str(i) for i in range(5, n)])
        rep = harness.read_jsonl(report)
        self.assertEqual(len(rep), len(recs))
        self.assertEqual({r["outcome"] for r in rep if r["sequenceNumber"] in listed},
                         {"interrupted"})
        ok = {r["body_json"]["taskId"] for r in d.requests() if r["status"] == 200}
        self.assertEqual(ok, {"t%d" % i for i in range(5)})
        self.assertIn("interrupted", err.decode())

    def test_sigterm_mid_run(self):
        self._signal_run(signal.SIGTERM, 143)

    def test_sigint_mid_run(self):
        self._signal_run(signal.SIGINT, 130)

    def test_sigterm_mid_run_on_two_engine_threads(self):
        # Only the reading thread takes signals; both engine threads abandon their calls.
        self._signal_run(signal.SIGTERM, 143, ("-j", "4", "--threads", "2"))

    # -- randomized invariant ----------------------------------------------------

    def test_randomized_invariant(self):
        self._randomized_invariant(["-j", "8"])

    def test_randomized_invariant_on_three_engine_threads(self):
        self._randomized_invariant(["-j", "9", "--threads", "3"])

    def _randomized_invariant(self, engine_args):
        n = 2000
        batch, summary = self.gen_batch(n, seed=7, tasks=500)
        with open(batch, "rb") as f:
            records = json.load(f)["Records"]
        self.assertEqual(len(records), n)
        # Half the tasks exist (dispatched), the rest answer taskDeleted.
        tasks = set()
        for r in records:
            img = r["dynamodb"].get("NewImage")
            if img and "S" in img.get("taskId", {}) and "S" in img.get("tenant", {}):
                tasks.add((img["tenant"]["S"], img["taskId"]["S"]))
        seeded = sorted(tasks)[::2]
        d = self.start_dispatcher(seed=seed_doc(seeded), fail_rate=0.3, delay_ms=1500,
                                  random_seed=20261126)
        report = self.path("report.jsonl")
        res = self.run_tool(["-u", d.url] + engine_args + ["--timeout", "1", "--report", report,
                                                           batch], timeout=170)
        self.assertEqual(res.rc, 1, res)
        time.sleep(1.6)  # delayed requests are logged when their delay ends
        reqs = d.requests()
        listed = set(res.failures)
        self.assertEqual(len(listed), len(res.failures), "an itemIdentifier listed twice")
        rep = harness.read_jsonl(report)
        self.assertEqual(len(rep), n)

        by_key = {}
        for q in reqs:
            by_key.setdefault(harness.key_of_request(q), []).append(q)
        valid_keys = set()
        counts = {"ack": 0, "listed_valid": 0, "malformed": 0, "other": 0}
        for rec, line in zip(records, rep):
            seqno = rec["dynamodb"]["SequenceNumber"]
            self.assertEqual(line["sequenceNumber"], seqno)
            img = rec["dynamodb"].get("NewImage", {})
            key = (img.get("tenant", {}).get("S"), img.get("taskId", {}).get("S"),
                   int(img["eventSequence"]["N"]) if "N" in img.get("eventSequence", {})
                   and img["eventSequence"]["N"].isdigit() else None)
            if rec["eventName"] != "INSERT":
                counts["other"] += 1
                self.assertNotIn(seqno, listed)
                self.assertNotIn(key, by_key, "MODIFY/REMOVE sent: %s" % seqno)
                self.assertEqual(line["outcome"], "skipped")
                continue
            if line["outcome"] == "parse_error":
                counts["malformed"] += 1
                self.assertIn(seqno, listed)
                continue
            valid_keys.add(key)
            got = by_key.get(key, [])
            ok = [q for q in got if 200 <= q["status"] < 300]
            if seqno in listed:
                counts["listed_valid"] += 1
                self.assertIn(line["outcome"], ("transient",), line)
                self.assertEqual(line["attempts"], 3, line)
                # A 2xx the tool did not see is allowed only if it came too late.
                for q in ok:
                    self.assertEqual(q["fault"], "delay", (line, got))
            else:
                counts["ack"] += 1
                self.assertIn(line["outcome"], ("acknowledged", "task_deleted"), line)
                self.assertTrue(ok, "acknowledged without a 2xx: %s %r" % (seqno, got))
                self.assertGreaterEqual(len(got), 1)
        self.assertEqual(counts["malformed"], summary["malformed"])
        self.assertEqual(counts["ack"] + counts["listed_valid"], summary["insert_valid"])
        # Nothing was sent that is not a valid INSERT of the batch.
        self.assertEqual(set(by_key) - valid_keys, set())
        faults = sum(1 for q in reqs if q["fault"])
        print("\nrandomized: %d requests (%d faulted), %d acknowledged, %d valid listed, "
              "%d malformed, %.1f s" % (len(reqs), faults, counts["ack"],
                                        counts["listed_valid"], counts["malformed"],
                                        res.elapsed), file=sys.stderr)
        self.assertGreater(counts["ack"], 0)
        self.assertGreater(counts["listed_valid"], 0)

    def test_throughput(self):
        n = 2000
        batch, summary = self.gen_batch(n, seed=3, malformed_frac=0, modify_frac=0,
                                        remove_frac=0)
        d = self.start_dispatcher()
        rates = {}
        for j in (1, 8, 16):
            before = len(d.requests())
            res = self.run_tool(["-u", d.url, "-j", str(j), "-q", batch], timeout=120)
            self.assertEqual(res.rc, 0, res)
            self.assertListed(res, [])
            rates[j] = n / res.elapsed
            # Keep-alive: at most -j connections for the whole run.
            peers = {q["peer"] for q in d.requests()[before:]}
            self.assertLessEqual(len(peers), j, "connections used at -j %d" % j)
        self.assertEqual(len(d.requests()), 3 * n)
        print("\nthroughput against the test dispatcher: -j 1: %.0f records/s, "
              "-j 8: %.0f records/s, -j 16: %.0f records/s" % (rates[1], rates[8], rates[16]),
              file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
