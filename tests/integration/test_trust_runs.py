#!/usr/bin/env python3
"""An incomplete run never reads as a complete one, and progress and summary tell the
truth: resume points after an input error and after a signal, a signal that lands while
standard input is held open, the progress line on a timer, failures by kind, calls
abandoned in flight by fail-fast; against scripts/test-dispatcher.py.

Run: A2A_RECOVER_BIN=build/cli/a2a-recover python3 tests/integration/test_trust_runs.py -v
"""

import errno
import json
import os
import pty
import random
import re
import select
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import insert, malformed, modify, seed_doc  # noqa: E402


def page(records):
    return json.dumps({"Records": records}).encode("utf-8") + b"\n"


class TrustRunsTest(harness.IntegrationTestCase):

    # -- section 1: an incomplete run never reads as a complete one ---------------------------

    def test_input_error_after_calls_names_resume_point(self):
        """(page1; oops; page2) | a2a-recover: the JSON alone would read as done."""
        d = self.start_dispatcher(seed=seed_doc([("acme", "a"), ("acme", "b")]))
        page1 = page([insert("1", "acme", "a"), insert("2", "acme", "b")])
        page2 = page([insert("3", "acme", "a", event_sequence=2)])
        report = self.path("r.jsonl")
        failed = self.path("f.json")
        res = self.run_tool(["-u", d.url, "--failed-out", failed, "--report", report],
                            input=page1 + b"oops\n" + page2)
        self.assertEqual(res.rc, 3, res)
        # stdout keeps exactly the response shape
        self.assertEqual(json.loads(res.stdout), {"batchItemFailures": []})
        lines = res.stderr.splitlines()
        self.assertTrue(lines[-1].startswith("a2a-recover: INCOMPLETE: 2 records: "), lines[-1])
        self.assertIn("a2a-recover: RESUME POINT: <stdin> byte %d, after record 2 "
                      "(SequenceNumber \"2\")" % (len(page1) - 3), res.stderr)
        self.assertRegex(res.stderr, r"<stdin> cannot be read again .* continue with: .*"
                                     r" --resume-from %d FILE\n" % (len(page1) - 3))
        rep = harness.read_jsonl(report)
        self.assertEqual([r.get("outcome") for r in rep[:-1]], ["acknowledged", "acknowledged"])
        rp = rep[-1]["resumePoint"]
        self.assertEqual((rp["input"], rp["offset"], rp["lastPosition"], rp["lastSequenceNumber"],
                          rp["resumable"]), ("<stdin>", len(page1) - 3, 2, "2", False))

    def test_resume_a_file_after_fixing_it(self):
        """The resume command, run on the fixed file, does exactly the rest."""
        d = self.start_dispatcher(seed=seed_doc([("acme", "a"), ("acme", "b")]))
        page1 = page([insert("1", "acme", "a"), insert("2", "acme", "b")])
        page2 = page([insert("3", "acme", "a", event_sequence=2), modify("4", "acme", "a")])
        cap = self.path("cap.json")
        harness.write_text(cap, page1 + b"oops\n" + page2)
        sj = self.path("s.json")
        res = self.run_tool(["-u", d.url, "--summary-json", sj, cap])
        self.assertEqual(res.rc, 3, res)
        with open(sj) as f:
            summary = json.load(f)
        self.assertFalse(summary["complete"])
        rp = summary["resumePoint"]
        self.assertTrue(rp["resumable"])
        self.assertEqual(rp["offset"], len(page1) - 3)
        harness.write_text(cap, page1 + b"     \n" + page2)  # fixed, offsets unchanged
        again = self.run_tool(["-u", d.url, "--report", self.path("r2.jsonl"),
                               "--resume-from", rp["resumeFrom"], cap])
        self.assertEqual(again.rc, 0, again)
        self.assertNotIn("INCOMPLETE", again.stderr)
        rep = harness.read_jsonl(self.path("r2.jsonl"))
        self.assertEqual([(r["sequenceNumber"], r["outcome"]) for r in rep],
                         [("3", "acknowledged"), ("4", "skipped")])
        # one call per INSERT over both runs: (a, 1), (b, 1), then (a, 2) after the resume
        self.assertEqual(sorted(harness.seq_of_request(q) for q in d.requests()), [1, 1, 2])

    def test_every_resume_point_named_is_accepted(self):
        """Cut short anywhere, in every shape, the resume point a run names is one that
        --resume-from takes on the whole file (it reads the file up to it, and a record must
        end there), and reading on from it gives exactly the records after it; so is the one
        a resumed run names when it is cut short again. A '}' inside a record is refused."""
        data = os.path.join(harness.SOURCE_DIR, "testdata")
        files = [os.path.join(data, "cli", "concat.json"),
                 os.path.join(data, "redrive", "mixed.ndjson")]
        for shape in ("lambda", "pages", "array", "ndjson"):
            out, _ = self.gen_batch(30, name="whole." + shape, shape=shape, page_size=7)
            files.append(out)
        rng = random.Random(7)
        named = 0

        def resume_point(args):
            sj = self.path("s.json")
            if os.path.exists(sj):
                os.unlink(sj)  # a refused run writes none: never read the last one's
            r = self.run_tool(["-n", "-q", "--summary-json", sj] + args)
            self.assertNotEqual(r.rc, 2, (args, r.stderr))
            with open(sj) as f:
                rp = json.load(f).get("resumePoint")
            return int(rp["resumeFrom"]) if rp else 0

        for whole in files:
            with open(whole, "rb") as f:
                data_bytes = f.read()
            full = self.run_tool(["-n", "--report", self.path("all.jsonl"), whole])
            self.assertIn(full.rc, (0, 1, 4, 6), full.stderr)
            starts = [r["offset"] for r in harness.read_jsonl(self.path("all.jsonl"))
                      if r.get("file") == whole]
            part = self.path("part.json")
            for cut in sorted(rng.sample(range(1, len(data_bytes)), 25)):
                harness.write_text(part, data_bytes[:cut])
                offset = resume_point([part])
                later = rng.randrange(cut, len(data_bytes) + 1)
                if offset > 0:  # cut short again, after a resumed run's start
                    harness.write_text(part, data_bytes[:later])
                    again = resume_point(["--resume-from", str(offset), part])
                    self.assertGreaterEqual(again, offset, (whole, cut, later))
                else:
                    again = 0
                for off in (offset, again):
                    if off == 0:
                        continue
                    named += 1
                    rest = self.run_tool(["-n", "-q", "--report", self.path("rest.jsonl"),
                                          "--resume-from", str(off), whole])
                    self.assertNotEqual(rest.rc, 2, (whole, cut, off, rest.stderr))
                    after = [r["offset"] for r in harness.read_jsonl(self.path("rest.jsonl"))
                             if r.get("file") == whole]
                    self.assertEqual(after, [o for o in starts if o >= off], (whole, cut, off))
            # the last '}' before the last record's end closes a nested map inside it
            inner = data_bytes.rindex(b"}", 0, data_bytes.rindex(b"}")) + 1
            if whole.endswith((".lambda", ".pages", ".array")):
                inner = data_bytes.rindex(b"}", 0, inner - 1) + 1  # past the ]} or ]
            bad = self.run_tool(["-n", "--resume-from", str(inner), whole])
            self.assertEqual(bad.rc, 2, (whole, inner, bad.stderr))
            self.assertIn("it is inside the record at bytes", bad.stderr)
        self.assertGreater(named, 100)

    def test_file_name_with_control_bytes_one_line_and_a_command_that_runs(self):
        # A name holding a newline and an escape: every message stays one line, and the
        # printed continuation, pasted into bash, runs on that very file.
        d = self.start_dispatcher(seed=seed_doc([("acme", "a"), ("acme", "b")]))
        page1 = page([insert("1", "acme", "a")])
        page2 = page([insert("2", "acme", "b")])
        cap = self.path("cap\nture\x1b[31m'.json")
        harness.write_text(cap, page1 + b"oops\n" + page2)
        res = self.run_tool(["-u", d.url, cap])
        self.assertEqual(res.rc, 3, res)
        self.assertNotIn("\x1b", res.stderr)
        lines = res.stderr.splitlines()
        self.assertTrue(all(l.startswith("a2a-recover: ") for l in lines), lines)
        self.assertIn("cap\\nture\\x1b[31m'.json: ", res.stderr)
        (command,) = [l.split("continue with: ", 1)[1] for l in lines if "continue with: " in l]
        self.assertIn("$'", command)
        harness.write_text(cap, page1 + b"     \n" + page2)  # fixed, offsets unchanged
        env = harness.tool_env()
        again = subprocess.run(["bash", "-c", command], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, timeout=60, text=True)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(sorted(harness.seq_of_request(q) for q in d.requests()), [1, 1])

    def start_held_open(self, args, data):
        """Starts the tool with data on a pipe whose write end the test keeps open."""
        r, w = os.pipe()
        out = open(self.path("out"), "wb")
        err = open(self.path("err"), "wb")
        p = harness.start_tool(args, stdin=r, stdout=out, stderr=err)
        os.close(r)
        out.close()
        err.close()
        os.write(w, data)
        self.addCleanup(os.close, w)  # held open until the test is over
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        return p

    def finished(self, p, timeout=5):
        p.wait(timeout=timeout)
        with open(self.path("out"), "rb") as f:
            out = f.read()
        with open(self.path("err"), "rb") as f:
            err = f.read().decode("utf-8", "replace")
        return out, err

    def test_signal_with_stdin_held_open_and_repeated(self):
        """Calls in flight, stdin held open, SIGINT repeated: the run ends promptly, named."""
        d = self.start_dispatcher(seed=seed_doc([("acme", "slow")],
                                                {"acme:slow": {"delayMs": 20000}}))
        first = page([insert("1", "acme", "slow")])
        p = self.start_held_open(["-u", d.url, "--report", self.path("r.jsonl")], first)
        d.wait_requests(1)
        t0 = time.monotonic()
        for _ in range(4):  # repeated, some landing while the run drains and waits
            p.send_signal(signal.SIGINT)
            time.sleep(0.15)
        out, err = self.finished(p)
        self.assertLess(time.monotonic() - t0, 3.0)
        self.assertEqual(p.returncode, 130, err)
        self.assertEqual(json.loads(out), {"batchItemFailures": [{"itemIdentifier": "1"}]})
        self.assertIn("RESUME POINT: <stdin> byte %d, after record 1" % (len(first) - 3), err)
        self.assertTrue(err.splitlines()[-1].startswith("a2a-recover: INCOMPLETE: "), err)
        rep = harness.read_jsonl(self.path("r.jsonl"))
        self.assertEqual(rep[-1]["resumePoint"]["offset"], len(first) - 3)

    def test_signal_while_waiting_for_stdin_never_hangs(self):
        """Nothing in flight, stdin held open: a signal, whenever it lands, ends the run."""
        for delay in (0.2, 0.25, 0.3, 0.35):
            with self.subTest(delay=delay):
                p = self.start_held_open(["-n"], page([modify("1", "acme", "a")]))
                time.sleep(delay)  # handlers installed; waiting, or about to wait, on stdin
                t0 = time.monotonic()
                p.send_signal(signal.SIGTERM)
                p.send_signal(signal.SIGTERM)
                out, err = self.finished(p)
                self.assertLess(time.monotonic() - t0, 2.0)
                self.assertEqual(p.returncode, 143, err)
                self.assertEqual(json.loads(out), {"batchItemFailures": []})
                self.assertIn("the input was not read to its end", err)
                self.assertIn("RESUME POINT: <stdin> byte ", err)
                self.assertIn("INCOMPLETE: dry run: 1 record: 1 skipped", err)

    # -- section 4: progress and summary that tell the truth ----------------------------------

    def run_pty(self, args, stdin=subprocess.DEVNULL, feed=None, timeout=30):
        """Runs the tool with a terminal as stderr; feed(proc, elapsed) is called as it runs."""
        harness.require_bin()
        master, slave = pty.openpty()
        p = subprocess.Popen([harness.BIN] + args, stdin=stdin, stdout=subprocess.DEVNULL,
                             stderr=slave, env=harness.tool_env())
        os.close(slave)
        chunks = []
        t0 = time.monotonic()
        try:
            while time.monotonic() - t0 < timeout:
                if feed is not None:
                    feed(p, time.monotonic() - t0)
                r, _, _ = select.select([master], [], [], 0.05)
                if r:
                    try:
                        data = os.read(master, 65536)
                    except OSError as e:
                        if e.errno != errno.EIO:
                            raise
                        break
                    if not data:
                        break
                    chunks.append((time.monotonic() - t0, data))
                elif p.poll() is not None:
                    break
        finally:
            os.close(master)
            if p.poll() is None:
                p.kill()
            p.wait()
        return p.returncode, chunks

    def test_progress_redrawn_while_nothing_completes(self):
        """stdin open and silent for 1.6 s: the line is redrawn on a timer all the same."""
        state = {"closed": False}
        r, w = os.pipe()

        def feed(p, elapsed):
            if elapsed > 1.6 and not state["closed"]:
                os.close(w)
                state["closed"] = True

        try:
            rc, chunks = self.run_pty(["-n"], stdin=r, feed=feed)
        finally:
            os.close(r)
            if not state["closed"]:
                os.close(w)
        self.assertEqual(rc, 0)  # no document on standard input: no records, no error
        draws = [(t, d) for t, d in chunks if b"elapsed" in d and t < 1.6]
        self.assertGreaterEqual(len(draws), 3, chunks)
        text = b"".join(d for _, d in chunks).decode("utf-8", "replace")
        self.assertIn("0 done (0 would dispatch, 0 failed), 0 in flight, 0 read so far; 0:01 "
                      "elapsed", text)
        self.assertNotRegex(text, r"\d+/\d+ records")

    def test_progress_shows_in_flight_percentage_and_eta(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "slow")],
                                                {"acme:slow": {"delayMs": 400}}))
        recs = [insert(str(i), "acme", "slow", event_sequence=i) for i in range(1, 13)]
        ev = self.write_event(recs)
        rc, chunks = self.run_pty(["-u", d.url, "-j", "2", ev])
        self.assertEqual(rc, 0)
        text = b"".join(d for _, d in chunks).decode("utf-8", "replace")
        lines = re.findall(r"\r\x1b\[K(\d+ done [^\r\n]*)", text)
        self.assertTrue(lines, text)
        # read to its end with calls still out: no ETA of 0:00 (review 65), the calls remain
        self.assertTrue(any(re.search(r", 2 in flight, 12 read so far; all of 0\.0 MB read; "
                                      r"0:0\d elapsed", ln) for ln in lines), lines)
        self.assertNotRegex(text, r"100% of [\d.]+ MB read, ETA")
        self.assertNotRegex(text, r"\d+/\d+ records")

    def test_summary_by_kind_and_singular(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "a"), ("acme", "flaky")],
                                                {"acme:bad": {"always": 400},
                                                 "acme:flaky": {"always": 503}}))
        recs = [insert("1", "acme", "a"), insert("2", "acme", "bad"), malformed("3"),
                insert("4", "acme", "flaky")]
        sj = self.path("s.json")
        res = self.run_tool(["-u", d.url, "--retries", "0", "--summary-json", sj,
                             self.write_event(recs)])
        self.assertEqual(res.rc, 1, res)
        self.assertRegex(res.stderr.splitlines()[-1],
                         r"^a2a-recover: 4 records: 0 skipped, 1 acknowledged \(0 task deleted\), "
                         r"3 failed, 0 unreportable \(by kind: 1 transient after retries, "
                         r"1 unparseable, 1 refused\); \d+\.\d{3} s, \d+ records/s$")
        with open(sj) as f:
            s = json.load(f)
        self.assertEqual(s["failures"], {"transient": 1, "unparseable": 1, "refused": 1,
                                         "interrupted": 0, "abandoned": 0, "notAttempted": 0})
        self.assertEqual((s["complete"], s["exitStatus"], s["records"], s["acknowledged"],
                          s["failed"], s["dispatched"], s["resumePoint"]),
                         (True, 1, 4, 1, 3, 3, None))
        one = self.run_tool(["-u", d.url, self.write_event([insert("1", "acme", "a")], "1.json")])
        self.assertRegex(one.stderr.splitlines()[-1], r"^a2a-recover: 1 record: 0 skipped, ")

    def test_summary_exit_status_counts_outputs_that_could_not_be_written(self):
        # --summary-json is written last: its exitStatus is the status the process exits
        # with, a --report or --failed-out that could not be written included (7).
        ev = self.write_event([insert("1", "acme", "a")])
        sj = self.path("s.json")
        for option in ("--report", "--failed-out"):
            res = self.run_tool(["-n", option, "/dev/full", "--summary-json", sj, ev])
            self.assertEqual(res.rc, 7, res)
            self.assertIn("a2a-recover: %s /dev/full: write error" % option, res.stderr)
            with open(sj) as f:
                summary = json.load(f)
            self.assertEqual((summary["exitStatus"], summary["outputsNotWritten"]),
                             (7, [option]))

    def test_response_not_written_exits_7_and_an_earlier_one_is_said_not_this_runs(self):
        # Review 61: a response that could not be written exited 1, "failures listed", and the
        # -o file an earlier run wrote stayed as it was, with nothing said: an operator could
        # replay that earlier list. Now: exit 7, the file is said not to be this run's, and
        # --summary-json names the output. A file size limit stands in for a full disk.
        import resource
        ev = self.write_event([insert(str(n), "acme", "t%d" % n, owner=None)
                               for n in range(1, 101)])
        out, sj = self.path("out.json"), self.path("s.json")
        earlier = b'{"batchItemFailures":[{"itemIdentifier":"earlier"}]}\n'
        with open(out, "wb") as f:
            f.write(earlier)

        def limit():  # SIGXFSZ left at its default: the tool must not die of it (review 64)
            resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
            signal.signal(signal.SIGXFSZ, signal.SIG_DFL)

        p = subprocess.run([harness.BIN, "-n", "-o", out, "--summary-json", sj, ev],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, preexec_fn=limit, timeout=60)
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 7, err)
        self.assertIn("-o %s: write error: File too large" % out, err)
        self.assertIn("-o %s was not replaced: what it holds is not this run's" % out, err)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), earlier)
        self.assertEqual([n for n in os.listdir(self.tmp) if ".tmp." in n], [])
        with open(sj) as f:
            summary = json.load(f)
        self.assertEqual((summary["exitStatus"], summary["outputsNotWritten"], summary["failed"]),
                         (7, ["-o"], 100))
        # standard output closed for writing: the same status, named "stdout"
        res = subprocess.run([harness.BIN, "-n", "--summary-json", sj, ev], stdin=subprocess.DEVNULL,
                             stdout=open("/dev/full", "wb"), stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(res.returncode, 7, res.stderr)
        with open(sj) as f:
            self.assertEqual(json.load(f)["outputsNotWritten"], ["stdout"])

    def test_token_and_authorization_header_refused_in_a_dry_run_too(self):
        # A command line checked with -n in CI must be refused there as in the real run.
        ev = self.write_event([insert("1", "acme", "a")])
        tok = self.path("tok")
        with open(tok, "w") as f:
            f.write("secret-token\n")
        os.chmod(tok, 0o600)
        hdr = self.path("hdr")
        with open(hdr, "w") as f:
            f.write("Authorization: Bearer other\n")
        for dry in ([], ["-n"]):
            for token_args, token, named in ((["--token-file", tok], None, "--token-file"),
                                             ([], "env-token", "A2A_RECOVER_TOKEN")):
                res = self.run_tool(dry + ["-u", "http://127.0.0.1:9/x", "-H", "@" + hdr] +
                                    token_args + [ev], token=token)
                self.assertEqual(res.rc, 2, res)
                self.assertIn("a token (%s) and an -H Authorization header contradict each "
                              "other" % named, res.stderr)
                self.assertEqual(res.stdout, "")
                self.assertNotIn("secret-token", res.stderr)

    def test_usage_error_is_a_json_line_with_log_format_json(self):
        # A consumer of JSON lines reads a refused command line like any other message.
        for args in (["-n", "--log-format", "json", "-j", "0", "x.json"],
                     ["--log-format=json", "--bogus"],
                     ["-n", "--bogus", "--log-format", "json"]):
            with self.subTest(args=args):
                res = self.run_tool(args)
                self.assertEqual(res.rc, 2, res)
                lines = res.stderr.splitlines()
                self.assertEqual(len(lines), 1, res.stderr)
                msg = json.loads(lines[0])
                self.assertEqual(msg["level"], "ERROR")
                self.assertTrue(msg["message"].startswith(("-j: ", "unknown option --bogus")),
                                msg)
        res = self.run_tool(["-n", "--log-format", "text", "--bogus"])
        self.assertEqual(res.rc, 2, res)
        self.assertIn("Try 'a2a-recover --help'", res.stderr)

    def test_summary_dispatched_counts_only_records_sent(self):
        """dispatched is records sent at least once, not records queued for the engine."""
        d = self.start_dispatcher(seed=seed_doc([("acme", "b")], {"acme:b": {"always": 403}}))
        recs = [insert("1", "acme", "b"), insert("2", "acme", "c"), insert("3", "acme", "d")]
        sj = self.path("s.json")
        report = self.path("r.jsonl")
        res = self.run_tool(["-u", d.url, "-j", "1", "--summary-json", sj, "--report", report,
                             self.write_event(recs)])
        self.assertEqual(res.rc, 5, res)
        sent = sum(1 for r in harness.read_jsonl(report) if r.get("attempts", 0) > 0)
        with open(sj) as f:
            s = json.load(f)
        self.assertEqual((s["dispatched"], sent), (1, 1))

    def test_fail_fast_reports_calls_in_flight_as_abandoned(self):
        d = self.start_dispatcher(seed=seed_doc([("acme", "slow"), ("acme", "b")],
                                                {"acme:slow": {"delayMs": 3000},
                                                 "acme:b": {"always": 403}}))
        recs = [insert("1", "acme", "slow"), insert("2", "acme", "b"), insert("3", "acme", "c")]
        report = self.path("r.jsonl")
        res = self.run_tool(["-u", d.url, "-j", "1", "--rate", "0", "-j", "2", "--report", report,
                             self.write_event(recs)])
        self.assertEqual(res.rc, 5, res)
        rep = harness.read_jsonl(report)
        self.assertEqual([(r["outcome"], r["attempts"]) for r in rep],
                         [("abandoned", 1), ("rejected", 1), ("not_attempted", 0)])
        self.assertIn("call abandoned in flight", rep[0]["reason"])
        self.assertEqual(res.failures, ["1", "2", "3"])
        self.assertRegex(res.stderr, r"\(by kind: 1 refused, 1 abandoned in flight, "
                                     r"1 not attempted\)")


if __name__ == "__main__":
    unittest.main()
