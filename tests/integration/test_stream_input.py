"""a2a-recover --stream against scripts/test-streams.py (and scripts/test-dispatcher.py for the
live path).  Loopback only: every run of the tool starts from streams_harness.clean_env() (no
AWS_* variables, no proxies, IMDS disabled, HOME a temp dir) and passes --endpoint-url to
127.0.0.1.

The 1M-record memory test is in test_stream_memory.py (a ctest of its own: the stream is read
at the 4-calls-a-second pace a real shard allows, about four minutes).
"""

import http.server
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import streams_harness as sh  # noqa: E402
from test_reliability import PKICase  # noqa: E402

ARN = sh.STREAM_ARN_DEMO


def rec(seq_text, event_name="INSERT"):
    """A marker record whose taskId names its sequence number, to map requests back."""
    return sh.stream_record(seq_text, "acme", "t-" + seq_text, event_name=event_name)


def seqs_of_requests(dispatcher):
    return [r["body_json"]["taskId"][2:] for r in dispatcher.requests()]


def slurp(path):
    with open(path, "rb") as f:
        return f.read()


def report_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class StreamInputTest(h.IntegrationTestCase):
    def setUp(self):
        super().setUp()
        self.home = self.path("home")
        os.makedirs(os.path.join(self.home, ".aws"))

    def server(self, shards, keys=None, args=()):
        s = sh.StreamsServer(self.tmp, seed=sh.stream_seed(shards), keys=keys, args=args)
        s.start()
        self.addCleanup(s.stop)
        return s

    def tool(self, server, args, keys=True, env=None, timeout=120):
        e = sh.aws_env(self.home) if keys else sh.clean_env(self.home)
        e.update(env or {})
        return h.run_tool(["--stream", ARN, "--endpoint-url", server.endpoint_url, "--no-progress"]
                          + list(args), env=e, timeout=timeout, clear_env=False)

    def signed_post(self, server, op, body):
        headers, data = sh.sign_request(body, op, server.endpoint_url)
        req = urllib.request.Request(server.endpoint_url + "/", data=data, headers=headers,
                                     method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as resp:
            return resp.read()

    def first_page(self, server, shard):
        """The raw bytes of the shard's first GetRecords page, as the server sends them."""
        it = json.loads(self.signed_post(server, "GetShardIterator", {
            "StreamArn": ARN, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}))
        return self.signed_post(server, "GetRecords", {"ShardIterator": it["ShardIterator"]})

    # ---- order, ranges, pages ---------------------------------------------------------------

    def test_lineage_order_is_dispatch_order(self):
        a = [rec(sh.seq(1, n)) for n in range(1, 4)]
        b = [rec(sh.seq(2, n)) for n in range(1, 3)]
        c = [rec(sh.seq(3, n)) for n in range(1, 3)]
        d = [rec(sh.seq(4, n)) for n in range(1, 2)]
        # listed children first; 4's parent is gone (a root)
        s = self.server([sh.shard(3, c, parent=2), sh.shard(2, b, parent=1),
                         sh.shard(4, d, parent=99), sh.shard(1, a, parent=98)],
                        args=["--describe-page-size", "1", "--max-page-records", "2"])
        disp = self.start_dispatcher()
        report = self.path("report.ndjson")
        r = self.tool(s, ["-u", disp.url, "-j", "1", "--report", report])
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertEqual(r.response, {"batchItemFailures": []})
        want = [x["dynamodb"]["SequenceNumber"] for x in a + b + c + d]
        self.assertEqual(seqs_of_requests(disp), want)
        lines = report_lines(report)
        self.assertEqual([l["sequenceNumber"] for l in lines], want)
        # the report says where each record came from: stream, shard, page
        self.assertEqual(lines[0]["file"], "stream %s shard %s page 1" % (ARN, sh.shard_id(1)))
        self.assertEqual(lines[2]["file"], "stream %s shard %s page 2" % (ARN, sh.shard_id(1)))
        self.assertIn("8 records: 0 skipped, 8 acknowledged", r.stderr)
        self.assertIn("0 of 4 stream ranges unreadable", r.stderr)

    def test_shards_named_are_read_in_the_order_named(self):
        a = [rec(sh.seq(1, n)) for n in range(1, 3)]
        b = [rec(sh.seq(2, n)) for n in range(1, 3)]
        s = self.server([sh.shard(1, a), sh.shard(2, b, parent=1)])
        report = self.path("r.ndjson")
        r = self.tool(s, ["-n", "--shard", sh.shard_id(2), "--shard", sh.shard_id(1),
                          "--report", report])
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertEqual([l["sequenceNumber"] for l in report_lines(report)],
                         [sh.seq(2, 1), sh.seq(2, 2), sh.seq(1, 1), sh.seq(1, 2)])
        self.assertEqual([c for c in s.calls() if c["op"] == "DescribeStream"], [])

    def test_from_to_boundaries(self):
        recs = [rec(sh.seq(5, n)) for n in range(1, 11)]
        s = self.server([sh.shard(1, recs)], args=["--max-page-records", "4"])
        sid = sh.shard_id(1)
        cases = [
            (["--from", "at:" + sh.seq(5, 3), "--to", sh.seq(5, 6)], [3, 4, 5, 6]),
            (["--from", "after:" + sh.seq(5, 3), "--to", sh.seq(5, 6)], [4, 5, 6]),
            (["--from", "at:" + sh.seq(5, 10)], [10]),
            (["--to", sh.seq(5, 1)], [1]),
            (["--to", sh.seq(5, 4)], [1, 2, 3, 4]),  # the end exactly at a page's end
            ([], list(range(1, 11))),
        ]
        for args, want in cases:
            report = self.path("r.ndjson")
            r = self.tool(s, ["-n", "--shard", sid, "--report", report] + args)
            self.assertEqual(r.rc, 0, (args, r.stderr))
            self.assertEqual([l["sequenceNumber"] for l in report_lines(report)],
                             [sh.seq(5, n) for n in want], args)

    def test_end_inside_a_page_keeps_records_exact(self):
        # record 2 is malformed (no owner): listed, and --failed-out holds its exact bytes
        recs = [rec(sh.seq(6, n)) for n in range(1, 9)]
        del recs[1]["dynamodb"]["NewImage"]["owner"]
        s = self.server([sh.shard(1, recs, closed=False)])
        disp = self.start_dispatcher()
        failed = self.path("failed.json")
        r = self.tool(s, ["-u", disp.url, "--shard", sh.shard_id(1), "--to", sh.seq(6, 3),
                          "--failed-out", failed])
        self.assertEqual(r.rc, 1, r.stderr)
        self.assertEqual(r.failures, [sh.seq(6, 2)])
        self.assertEqual(sorted(seqs_of_requests(disp)), [sh.seq(6, 1), sh.seq(6, 3)])
        with open(failed, "rb") as f:
            data = f.read()
        self.assertEqual(json.loads(data)["Records"][0], recs[1])
        # the bytes are the page's own bytes for that record, not a re-encoding
        raw = data[len(b'{"Records":['):-len(b"]}\n")]
        self.assertIn(raw, self.first_page(s, sh.shard_id(1)))
        # stopped at the end: no call after the page that passed it (open shard, idle 10 s)
        self.assertLess(r.elapsed, 8)

    def test_twenty_empty_pages_then_data(self):
        recs = [rec(sh.seq(7, n)) for n in range(1, 4)]
        s = self.server([sh.shard(1, recs, EmptyPagesBefore=20)])
        report = self.path("r.ndjson")
        r = self.tool(s, ["-n", "--report", report])
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertEqual([l["sequenceNumber"] for l in report_lines(report)],
                         [sh.seq(7, n) for n in range(1, 4)])
        self.assertGreaterEqual(len([c for c in s.calls() if c["op"] == "GetRecords"]), 21)

    def test_open_shard_ended_on_idle_says_where_to_read_on(self):
        # An open shard that answers empty pages longer than --idle ends the read; the run
        # says so, with the place to read it on from, whether records came or none did.
        recs = [rec(sh.seq(7, n)) for n in range(1, 4)]
        s = self.server([sh.shard(1, recs, closed=False, EmptyPagesBefore=40)])
        r = self.tool(s, ["-n", "--idle", "1"])
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertIn("shard %s (from trim-horizon to the end): the shard is open and gave no "
                      "record for 1 s (--idle); its later records are read with --shard %s "
                      "--from trim-horizon" % (sh.shard_id(1), sh.shard_id(1)), r.stderr)
        s2 = self.server([sh.shard(1, recs, closed=False)])
        r = self.tool(s2, ["-n", "--idle", "0.5"])
        self.assertIn("the shard is open and gave no more records for 0.5 s (--idle); its later "
                      "records are read with --shard %s --from after:%s"
                      % (sh.shard_id(1), sh.seq(7, 3)), r.stderr)
        # from latest with nothing read: latest again would skip what came in between
        r = self.tool(s2, ["-n", "--from", "latest", "--idle", "0.5"])
        self.assertIn("gave no record for 0.5 s (--idle); its later records are read with "
                      "--shard %s --from trim-horizon" % sh.shard_id(1), r.stderr)
        # -q keeps errors only
        r = self.tool(s2, ["-n", "-q", "--idle", "0.5"])
        self.assertNotIn("--idle", r.stderr)

    def run_while_shards_close(self, s, args, steps, env=None):
        """Starts a whole-stream run; for each step (records read, closing), waits until the
        run has read that many records, then closes a shard through POST /_control; waits
        for the run to end. Returns (rc, stderr, sequence numbers read, summary)."""
        report, summary = self.path("r.ndjson"), self.path("s.json")
        proc = h.start_tool(["--stream", ARN, "--endpoint-url", s.endpoint_url, "-n",
                             "--no-progress", "--report", report, "--summary-json", summary]
                            + list(args), env=sh.aws_env(self.home, extra=env),
                            clear_env=False, cwd=self.tmp)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        for read, closing in steps:
            deadline = time.monotonic() + 20
            while len(report_lines(report) if os.path.exists(report) else []) < read:
                self.assertLess(time.monotonic(), deadline, "the open shard's records not read")
                time.sleep(0.05)
            if read == 0:
                s.wait_calls(len(s.calls()) + 3, timeout=20)  # GetRecords at latest has begun
            s.control(closing)
        _, err = proc.communicate(timeout=60)
        with open(summary, encoding="utf-8") as f:
            return (proc.returncode, err.decode(),
                    [l["sequenceNumber"] for l in report_lines(report) if "sequenceNumber" in l],
                    json.load(f))

    def test_shard_closing_mid_run_its_children_are_read(self):
        # Operator review: a shard open when the stream was listed closed during the run; the
        # run read it to its end and finished complete, its children (every record written
        # after it closed) never read. The stream is listed again and the children are read,
        # again when a child closes in turn.
        parent = [rec(sh.seq(5, n)) for n in range(1, 4)]
        s = self.server([sh.shard(1, parent, closed=False)])
        late = [rec(sh.seq(5, 4))]
        child = [rec(sh.seq(6, n)) for n in range(1, 3)]
        other = [rec(sh.seq(7, 1))]
        grandchild = [rec(sh.seq(8, 1))]
        rc, err, read, summary = self.run_while_shards_close(s, ["--idle", "4"], [
            (3, {"append": [{"shardId": sh.shard_id(1), "records": late}],
                 "close": [{"shardId": sh.shard_id(1), "children": [
                     sh.shard(2, child, closed=False), sh.shard(3, other, closed=False)]}]}),
            (6, {"close": [{"shardId": sh.shard_id(2), "children": [
                sh.shard(4, grandchild, closed=False)]}]})])
        self.assertEqual(rc, 0, err)
        self.assertEqual(read, [x["dynamodb"]["SequenceNumber"]
                                for x in parent + late + child + other + grandchild])
        self.assertEqual((summary["complete"], summary["readAgain"]), (True, []))
        self.assertIn("0 of 4 stream ranges unreadable", err)
        self.assertEqual(len([c for c in s.calls() if c["op"] == "DescribeStream"]), 3)

    def test_shard_closing_mid_run_from_latest_children_from_their_start(self):
        # --from latest: the children were made during the run, so all of their records came
        # after it started: they are read from their trim horizon, not from latest.
        s = self.server([sh.shard(1, [rec(sh.seq(5, 1))], closed=False)])
        child = [rec(sh.seq(6, n)) for n in range(1, 3)]
        rc, err, read, summary = self.run_while_shards_close(
            s, ["--idle", "4", "--from", "latest"],
            [(0, {"append": [{"shardId": sh.shard_id(1), "records": [rec(sh.seq(5, 2))]}],
                  "close": [{"shardId": sh.shard_id(1),
                             "children": [sh.shard(2, child, closed=False)]}]})])
        self.assertEqual(rc, 0, err)
        self.assertEqual(read, [sh.seq(5, 2), sh.seq(6, 1), sh.seq(6, 2)])

    def test_shard_closing_mid_run_relisting_fails_exit_6(self):
        # The second listing fails: the children are not read, and the run says so (exit 6,
        # the whole stream to read again), never complete.
        s = self.server([sh.shard(1, [rec(sh.seq(5, n)) for n in range(1, 4)], closed=False)],
                        args=["--fault", "InternalServerError,ops=DescribeStream,after=1"])
        rc, err, read, summary = self.run_while_shards_close(s, ["--idle", "4"], [
            (3, {"close": [{"shardId": sh.shard_id(1),
                            "children": [sh.shard(2, [rec(sh.seq(6, 1))], closed=False)]}]})],
            env={"AWS_MAX_ATTEMPTS": "1"})
        self.assertEqual(rc, 6, err)
        self.assertFalse(summary["complete"])
        again = summary["readAgain"]
        self.assertEqual([(a["shardIds"], a["from"]) for a in again], [(None, "trim-horizon")])
        self.assertIn("listed again because shard %s closed during the run: its child shards are "
                      "not read" % sh.shard_id(1), err)
        self.assertIn("UNREAD: the whole stream", err)
        self.assertEqual(read, [sh.seq(5, n) for n in range(1, 4)])
        # the command given reads the child (and the parent again: nothing is lost)
        s.control({"faults": []})
        argv = shlex.split(again[0]["command"])
        argv[argv.index("--idle") + 1] = "0.5"
        r2 = h.run_tool(argv[1:], env=sh.aws_env(self.home), clear_env=False)
        self.assertEqual(r2.rc, 0, r2.stderr)
        out = argv[argv.index("--report") + 1]
        self.assertEqual([l["sequenceNumber"] for l in report_lines(out) if "sequenceNumber" in l],
                         [sh.seq(5, n) for n in range(1, 4)] + [sh.seq(6, 1)])

    def test_named_shard_closing_says_its_children_are_not_read(self):
        # --shard: the operator named the shards read; a named shard that closes says, once,
        # that its children are not read by this run, and how to read them.
        s = self.server([sh.shard(1, [rec(sh.seq(5, n)) for n in range(1, 4)], closed=False)])
        rc, err, read, summary = self.run_while_shards_close(
            s, ["--idle", "4", "--shard", sh.shard_id(1)],
            [(3, {"close": [{"shardId": sh.shard_id(1), "children": [
                sh.shard(2, [rec(sh.seq(6, 1))], closed=False)]}]})])
        self.assertEqual(rc, 0, err)
        self.assertEqual(read, [sh.seq(5, n) for n in range(1, 4)])
        self.assertEqual(err.count("child shards"), 1, err)
        self.assertIn("shard %s (from trim-horizon to the end): the shard is closed and read to "
                      "its end; the records written after it are in its child shards, which "
                      "this run does not read (--shard names the shards read): read them with "
                      "--stream %s (every shard)" % (sh.shard_id(1), ARN), err)
        self.assertEqual([c for c in s.calls() if c["op"] == "DescribeStream"], [])

    def test_shard_read_to_a_seq_an_open_shard_idles_before_is_unreadable(self):
        # From review 62: --shard S --to SEQ on an open shard that idled before SEQ ended with
        # exit 0, the range complete, while records up to SEQ may still come.
        recs = [rec(sh.seq(7, n)) for n in range(1, 4)]
        s = self.server([sh.shard(1, recs, closed=False)])
        r = self.tool(s, ["-n", "-q", "--idle", "0.5", "--shard", sh.shard_id(1),
                          "--to", sh.seq(7, 9), "--summary-json", self.path("s.json")])
        self.assertEqual(r.rc, 6, r.stderr)
        self.assertIn("the shard is open and gave no record for 0.5 s (--idle) before the range's "
                      "end %s came; the last record read was %s" % (sh.seq(7, 9), sh.seq(7, 3)),
                      r.stderr)
        with open(self.path("s.json"), encoding="utf-8") as f:
            self.assertFalse(json.load(f)["complete"])
        # reached: read to its end as before
        r = self.tool(s, ["-n", "-q", "--idle", "0.5", "--shard", sh.shard_id(1),
                          "--to", sh.seq(7, 2)])
        self.assertEqual(r.rc, 0, r.stderr)

    def test_iterator_expiry_loses_and_repeats_nothing(self):
        recs = [rec(sh.seq(9, n)) for n in range(1, 31)]
        s = self.server([sh.shard(1, recs)],
                        args=["--max-page-records", "4", "--expire-iterator-after", "2"])
        disp = self.start_dispatcher()
        r = self.tool(s, ["-u", disp.url, "-j", "1"])
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertEqual(seqs_of_requests(disp), [sh.seq(9, n) for n in range(1, 31)])
        self.assertGreaterEqual(
            len([c for c in s.calls() if c.get("error") == "ExpiredIteratorException"]), 3)

    def test_throttling_storm(self):
        recs = [rec(sh.seq(1, n)) for n in range(1, 13)]
        s = self.server([sh.shard(1, recs)], args=[
            "--max-page-records", "3",
            "--fault", "ThrottlingException,ops=GetRecords,count=6",
            "--fault", "LimitExceededException,ops=GetShardIterator,count=2",
            "--fault", "InternalServerError,ops=DescribeStream,count=1"])
        disp = self.start_dispatcher()
        r = self.tool(s, ["-u", disp.url, "-j", "1"])
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertEqual(seqs_of_requests(disp), [sh.seq(1, n) for n in range(1, 13)])

    def test_trimmed_range_exit_6_records_before_replayed(self):
        a = [rec(sh.seq(1, n)) for n in range(1, 4)]
        b = [rec(sh.seq(2, n)) for n in range(1, 7)]
        c = [rec(sh.seq(3, n)) for n in range(1, 3)]
        # shard 2 answers its first page, then its data is trimmed away
        s = self.server([sh.shard(1, a), sh.shard(2, b), sh.shard(3, c)], args=[
            "--max-page-records", "2",
            "--fault", "TrimmedDataAccessException,ops=GetRecords,shard=%s,after=1"
            % sh.shard_id(2)])
        disp = self.start_dispatcher()
        report = self.path("r.ndjson")
        sj = self.path("s.json")
        r = self.tool(s, ["-u", disp.url, "-j", "1", "--report", report, "--summary-json", sj])
        self.assertEqual(r.rc, 6, r.stderr)
        with open(sj) as f:
            summary = json.load(f)
        # records past the trim were never read: the run is not complete
        self.assertEqual((summary["complete"], summary["rangesRead"],
                          summary["rangesUnreadable"], summary["exitStatus"]),
                         (False, 3, 1, 6))
        self.assertRegex(r.stderr.splitlines()[-1], r"^a2a-recover: INCOMPLETE: ")
        want = [x["dynamodb"]["SequenceNumber"] for x in a + b[:2] + c]
        self.assertEqual(seqs_of_requests(disp), want)  # the other shards went on
        self.assertEqual(r.response, {"batchItemFailures": []})
        bad = [l for l in report_lines(report) if l.get("outcome") == "unreadable"]
        self.assertEqual(len(bad), 1, report_lines(report))
        self.assertEqual(bad[0]["stream"], ARN)
        self.assertEqual(bad[0]["shard"], sh.shard_id(2))
        self.assertEqual(bad[0]["start"], "after:" + sh.seq(2, 2))
        self.assertIsNone(bad[0]["end"])
        self.assertEqual(bad[0]["cause"], "trimmed")
        self.assertEqual(bad[0]["awsError"], "TrimmedDataAccessException")
        self.assertEqual(bad[0]["recordsRead"], 2)
        self.assertRegex(r.stderr, "stream %s shard %s .*TrimmedDataAccessException"
                         % (ARN, sh.shard_id(2)))
        self.assertIn("1 of 3 stream ranges unreadable", r.stderr)

    def test_trimmed_start_says_the_loss_then_replays_what_remains(self):
        # --from at:SEQ where SEQ is gone: the shard is read from its trim horizon. The loss is
        # its own report line (from the start to the record before the first left), written
        # before anything is dispatched; what is left is replayed; exit 6.
        recs = [rec(sh.seq(2, n)) for n in range(1, 7)]
        s = self.server([sh.shard(1, recs)], args=["--trim-before", sh.seq(2, 4)])
        disp = self.start_dispatcher()
        report = self.path("r.ndjson")
        sj = self.path("s.json")
        r = self.tool(s, ["-u", disp.url, "-j", "1", "--report", report, "--summary-json", sj,
                          "--shard", sh.shard_id(1), "--from", "at:" + sh.seq(2, 2)])
        self.assertEqual(r.rc, 6, r.stderr)
        self.assertEqual(seqs_of_requests(disp), [sh.seq(2, n) for n in range(4, 7)])
        self.assertIn("any of the range's records before %s is gone, and the rest is read from "
                      "there" % sh.seq(2, 4), r.stderr)
        self.assertIn("(trimmed: from at:%s through %s; the rest of the range is read on)"
                      % (sh.seq(2, 2), sh.seq(2, 3)), r.stderr)
        lines = report_lines(report)
        self.assertEqual(lines[0].get("outcome"), "unreadable", lines)
        bad = [l for l in lines if l.get("outcome") == "unreadable"]
        self.assertEqual([(b["start"], b["end"], b["cause"], b["recordsRead"]) for b in bad],
                         [("at:" + sh.seq(2, 2), sh.seq(2, 3), "trimmed", 0)])
        with open(sj) as f:
            summary = json.load(f)
        self.assertEqual((summary["complete"], summary["rangesRead"],
                          summary["rangesUnreadable"], summary["exitStatus"]), (False, 1, 1, 6))
        self.assertIn("1 of 1 stream range unreadable", r.stderr)

    def test_trimmed_start_end_keeps_the_width_of_a_sequence_number(self):
        # Zero-padded sequence numbers (as DynamoDB Local and the test server give): the lost
        # part's end is the number before the first left, as wide, so it goes back in as --to.
        recs = [rec(sh.seq(0, n)) for n in range(1, 7)]
        s = self.server([sh.shard(1, recs)], args=["--trim-before", sh.seq(0, 4)])
        report = self.path("r.ndjson")
        r = self.tool(s, ["-n", "--report", report, "--shard", sh.shard_id(1), "--from",
                          "at:" + sh.seq(0, 2)])
        self.assertEqual(r.rc, 6, r.stderr)
        bad = [l for l in report_lines(report) if l.get("outcome") == "unreadable"]
        self.assertEqual([(b["start"], b["end"]) for b in bad],
                         [("at:" + sh.seq(0, 2), sh.seq(0, 3))])
        self.assertEqual(len(bad[0]["end"]), 21)
        r = self.tool(s, ["-n", "--shard", sh.shard_id(1), "--from", bad[0]["start"], "--to",
                          bad[0]["end"]])
        self.assertEqual(r.rc, 6, r.stderr)  # the same range again: nothing of it is left
        self.assertIn("none of the range's records is left in the stream", r.stderr)

    def test_trim_overtaking_a_read_says_the_loss_and_reads_on(self):
        # A read slower than the stream's 24 hours: the trim passes the last record read. The
        # loss (after that record, up to the one before the first left) is its own line, and
        # what is left is read on: nothing handed out twice, nothing else lost.
        recs = [rec(sh.seq(6, n)) for n in range(1, 41)]
        s = self.server([sh.shard(1, recs)],
                        args=["--max-page-records", "4", "--delay-ms", "250"])
        disp = self.start_dispatcher()
        report = self.path("r.ndjson")
        proc = h.start_tool(["--stream", ARN, "--endpoint-url", s.endpoint_url, "-u", disp.url,
                             "-j", "1", "--no-progress", "--report", report, "--shard",
                             sh.shard_id(1)], env=sh.aws_env(self.home), clear_env=False,
                            cwd=self.tmp)
        disp.wait_requests(4, timeout=30)
        s.control({"trim": [{"shardId": sh.shard_id(1), "before": sh.seq(6, 30)}]})
        _, err = proc.communicate(timeout=120)
        err = err.decode()
        self.assertEqual(proc.returncode, 6, err)
        bad = [l for l in report_lines(report) if l.get("outcome") == "unreadable"]
        self.assertEqual(len(bad), 1, bad)
        last = bad[0]["start"][len("after:"):]
        self.assertTrue(bad[0]["start"].startswith("after:"), bad)
        self.assertEqual(bad[0]["end"], sh.seq(6, 29))
        sent = seqs_of_requests(disp)
        self.assertEqual(len(sent), len(set(sent)), "a record was handed out twice")
        n = int(last) - int(sh.seq(6, 0))
        self.assertEqual(sent, [sh.seq(6, k) for k in list(range(1, n + 1)) + list(range(30, 41))])
        self.assertIn("any of the range's records after %s before %s is gone"
                      % (last, sh.seq(6, 30)), err)

    def test_trimmed_start_after_seq_nothing_between_is_no_loss(self):
        # after:SEQ whose record is trimmed, the next one still there: nothing can lie between,
        # so nothing is lost; the read goes on and the run is clean.
        recs = [rec(sh.seq(2, n)) for n in range(1, 7)]
        s = self.server([sh.shard(1, recs)], args=["--trim-before", sh.seq(2, 4)])
        disp = self.start_dispatcher()
        r = self.tool(s, ["-u", disp.url, "-j", "1", "--shard", sh.shard_id(1), "--from",
                          "after:" + sh.seq(2, 3)])
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertEqual(seqs_of_requests(disp), [sh.seq(2, n) for n in range(4, 7)])
        self.assertNotIn("trimmed", r.stderr)

    def test_sigint_after_a_trimmed_start_the_loss_is_already_said(self):
        """A signal after the trimmed start was read around: the loss was said when the first
        record left was seen, so the interrupted run has said it, and its continuation reads
        the rest without a second loss."""
        recs = [rec(sh.seq(5, n)) for n in range(1, 41)]
        s = self.server([sh.shard(1, recs)], args=("--trim-before", sh.seq(5, 4),
                                                   "--max-page-records", "2", "--delay-ms", "150"))
        disp = self.start_dispatcher()
        e = sh.aws_env(self.home)
        proc = h.start_tool(["--stream", ARN, "--endpoint-url", s.endpoint_url, "-u", disp.url,
                             "-q", "--no-progress", "-j", "1", "--report", "rp.ndjson",
                             "--shard", sh.shard_id(1), "--from", "at:" + sh.seq(5, 2)], env=e,
                            clear_env=False, cwd=self.tmp)
        disp.wait_requests(2, timeout=30)
        out, err, _ = h.signal_and_wait(proc, signal.SIGINT)
        self.assertEqual(proc.returncode, 6, err)  # a loss outranks the signal (man: 6 > 130)
        err = err.decode()
        self.assertIn("interrupted by signal 2", err)
        self.assertIn("any of the range's records before %s is gone" % sh.seq(5, 4), err)
        listed = [x["itemIdentifier"] for x in json.loads(out)["batchItemFailures"]]
        if listed:
            self.assertRegex(err, r"\d+ records? not acknowledged (was|were) listed \(by "
                             r"SequenceNumber only: --failed-out keeps records to replay\)")
            # and beside the continuation, which an operator copies without the stop line
            self.assertIn("the continuation does not send the %d record%s the stop cut short "
                          "(listed in the response): they are kept by SequenceNumber only"
                          % (len(listed), "" if len(listed) == 1 else "s"), err)
        lines = report_lines(self.path("rp.ndjson"))
        bad = [l for l in lines if l.get("outcome") == "unreadable"]
        self.assertEqual([(b["start"], b["end"]) for b in bad],
                         [("at:" + sh.seq(5, 2), sh.seq(5, 3))])
        rp = lines[-1]["resumePoint"]
        self.assertIsNotNone(rp["from"], rp)
        res = h.run_tool(shlex.split(rp["command"])[1:], env=e, clear_env=False, cwd=self.tmp,
                         timeout=120)
        self.assertEqual(res.rc, 0, res)
        self.assertNotIn("trimmed", res.stderr)
        # every record left is sent or listed by the first run; none is lost
        listed = [x["itemIdentifier"] for x in json.loads(out)["batchItemFailures"]]
        sent = seqs_of_requests(disp)
        self.assertEqual(sorted(set(sent) | set(listed), key=int),
                         [sh.seq(5, n) for n in range(4, 41)])

    def test_stream_not_found_exit_6(self):
        s = self.server([sh.shard(1, [rec(sh.seq(1, 1))])])
        other = ARN.replace("2026-01-01", "2025-01-01")
        e = sh.aws_env(self.home)
        report = self.path("r.ndjson")
        sj = self.path("s.json")
        r = h.run_tool(["-n", "--stream", other, "--endpoint-url", s.endpoint_url, "--report",
                        report, "--summary-json", sj], env=e, clear_env=False)
        self.assertEqual(r.rc, 6, r.stderr)
        with open(sj) as f:
            summary = json.load(f)
        self.assertEqual((summary["complete"], summary["rangesRead"],
                          summary["rangesUnreadable"]), (False, 1, 1))
        self.assertIn("0 records: ", r.stderr)
        self.assertIn("1 of 1 stream range unreadable", r.stderr)
        bad = report_lines(report)
        self.assertEqual(len(bad), 1)
        self.assertEqual((bad[0]["cause"], bad[0]["shard"]), ("not-found", None))
        self.assertIn(other, r.stderr)

    # ---- signals ------------------------------------------------------------------------------

    def test_sigterm_lists_every_record_read_and_unacknowledged(self):
        recs = [rec(sh.seq(8, n)) for n in range(1, 11)]
        s = self.server([sh.shard(1, recs, closed=False)])
        # records 1 and 2 answer at once, the others only after 8 s
        slow = {"acme:t-" + sh.seq(8, n): {"statuses": [], "delayMs": 8000}
                for n in range(3, 11)}
        disp = self.start_dispatcher(seed=h.seed_doc(faults=slow))
        report = self.path("r.ndjson")
        e = sh.aws_env(self.home)
        proc = h.start_tool(["--stream", ARN, "--endpoint-url", s.endpoint_url, "-u", disp.url,
                             "-j", "2", "--idle", "60", "--report", report, "--no-progress"],
                            env=e, clear_env=False)
        disp.wait_requests(2, timeout=20)
        time.sleep(0.5)  # 3 and 4 in flight, the rest queued; the shard still polled
        out, err, took = h.signal_and_wait(proc, signal.SIGTERM)
        self.assertEqual(proc.returncode, 143, err)
        self.assertLess(took, 5)
        lines = [l for l in report_lines(report) if "sequenceNumber" in l]
        self.assertEqual([l["sequenceNumber"] for l in lines],
                         [sh.seq(8, n) for n in range(1, 11)])
        acked = {"acknowledged", "task_deleted"}
        self.assertEqual([l["outcome"] in acked for l in lines], [True] * 2 + [False] * 8)
        unacked = [l["sequenceNumber"] for l in lines if l["outcome"] not in acked]
        self.assertEqual(json.loads(out)["batchItemFailures"],
                         [{"itemIdentifier": x} for x in unacked])
        self.assertIn(b"interrupted by signal 15", err)

    def test_signal_and_max_time_stop_a_streams_call_in_flight(self):
        """A GetRecords that hangs does not hold a stop for the call's own 30 s timeout."""
        recs = [rec(sh.seq(8, n)) for n in range(1, 11)]
        s = self.server([sh.shard(1, recs)], args=[
            "--max-page-records", "3", "--fault", "delay,ops=GetRecords,after=2,ms=60000"])
        e = sh.aws_env(self.home)
        for how in ("SIGTERM", "SIGINT", "SIGHUP", "--max-time"):
            with self.subTest(how=how):
                extra = ["--max-time", "1.5"] if how == "--max-time" else []
                start = time.monotonic()
                proc = h.start_tool(["--stream", ARN, "--endpoint-url", s.endpoint_url,
                                     "--dry-run", "--no-progress"] + extra,
                                    env=e, clear_env=False)
                if how == "--max-time":
                    out, err = proc.communicate(timeout=20)
                    took = time.monotonic() - start - 1.5
                    want = 124
                else:
                    time.sleep(1.5)  # the first page read, the second call hanging
                    out, err, took = h.signal_and_wait(proc, getattr(signal, how))
                    want = {"SIGTERM": 143, "SIGINT": 130, "SIGHUP": 129}[how]
                self.assertEqual(proc.returncode, want, err)
                self.assertLess(took, 1.8, err)
                # stopped as a stop, with the place to go on from
                self.assertIn(b"GetRecords: interrupted", err)
                self.assertIn(b"RESUME POINT", err)
                self.assertNotIn(b"attempt 2", err)
                self.assertEqual(json.loads(out), {"batchItemFailures": []})

    def test_sigint_from_latest_continuation(self):
        """--from latest, SIGINT: with a record read, the continuation goes on after it
        (exact); with none read, latest again would skip what is written between the runs,
        and the resume point says so (exact: false) and how to read it."""
        recs = [rec(sh.seq(4, n)) for n in range(1, 4)]
        s = self.server([sh.shard(1, recs, closed=False)])
        e = sh.aws_env(self.home)

        def run_and_stop(report, append=None):
            n = len([c for c in s.calls() if c["op"] == "GetRecords"])
            proc = h.start_tool(["--stream", ARN, "--endpoint-url", s.endpoint_url, "-n", "-q",
                                 "--no-progress", "--from", "latest", "--idle", "30",
                                 "--report", report], env=e, clear_env=False, cwd=self.tmp)
            s.wait_calls(len(s.calls()) + 3, timeout=30)  # GetRecords at latest has begun
            self.assertGreater(len([c for c in s.calls() if c["op"] == "GetRecords"]), n)
            if append is not None:
                s.control({"append": [{"shardId": sh.shard_id(1), "records": [append]}]})
                deadline = time.monotonic() + 20
                while not os.path.exists(self.path(report)) or not slurp(self.path(report)):
                    self.assertLess(time.monotonic(), deadline, "the appended record not read")
                    time.sleep(0.1)
            _, err, _ = h.signal_and_wait(proc, signal.SIGINT)
            self.assertEqual(proc.returncode, 130, err)
            return err.decode(), report_lines(self.path(report))[-1]["resumePoint"]

        err, rp = run_and_stop("none.ndjson")
        self.assertEqual((rp["from"], rp["exact"]), (None, False), rp)
        self.assertIn("--from latest", rp["command"])
        self.assertIn("the continuation is not exact: --from latest is not a place, it reads "
                      "only what is written after it starts; records written to stream %s "
                      "shard %s since this run started are not read by it; to read them, give "
                      "--from trim-horizon instead" % (ARN, sh.shard_id(1)), err)
        # the gap is real: a record written now is not read by the continuation as printed
        late = rec(sh.seq(4, 4))
        s.control({"append": [{"shardId": sh.shard_id(1), "records": [late]}]})
        words = shlex.split(rp["command"])
        words[words.index("--idle") + 1] = "1"
        res = h.run_tool(words[1:], env=e, clear_env=False, cwd=self.tmp, timeout=60)
        self.assertEqual(res.rc, 0, res)
        self.assertNotIn(sh.seq(4, 4), [l.get("sequenceNumber")
                                        for l in report_lines(self.path("none.resume.ndjson"))])
        # with a record read, the continuation names it: exact, whatever --from was
        err, rp = run_and_stop("one.ndjson", append=rec(sh.seq(4, 5)))
        self.assertEqual((rp["from"], rp["exact"]), ("after:" + sh.seq(4, 5), True), rp)
        self.assertIn("--shard %s --from after:%s" % (sh.shard_id(1), sh.seq(4, 5)),
                      rp["command"])
        self.assertNotIn("--from latest", rp["command"])
        self.assertNotIn("not exact", err)

    def test_sigint_after_a_shard_closed_the_continuation_names_its_children(self):
        # A shard closes, and the run is stopped while it reads another one: the children
        # were listed at the close, so the continuation names them (none is left to a
        # listing the stop cut short).
        s = self.server([sh.shard(1, [rec(sh.seq(5, n)) for n in range(1, 3)], closed=False),
                         sh.shard(2, [rec(sh.seq(7, 1))], closed=False)])
        report = self.path("r.ndjson")
        proc = h.start_tool(["--stream", ARN, "--endpoint-url", s.endpoint_url, "-n",
                             "--no-progress", "--idle", "8", "--report", report],
                            env=sh.aws_env(self.home), clear_env=False, cwd=self.tmp)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        for read, closing in [(2, {"close": [{"shardId": sh.shard_id(1), "children": [
                sh.shard(3, [rec(sh.seq(6, 1))], closed=False)]}]}), (3, None)]:
            deadline = time.monotonic() + 20
            while len(report_lines(report) if os.path.exists(report) else []) < read:
                self.assertLess(time.monotonic(), deadline, "records not read")
                time.sleep(0.05)
            if closing is not None:
                s.control(closing)
        _, err, _ = h.signal_and_wait(proc, signal.SIGINT)
        self.assertEqual(proc.returncode, 130, err)
        rp = report_lines(report)[-1]["resumePoint"]
        self.assertEqual((rp["shardId"], rp["from"], rp["shardsNotRead"]),
                         (sh.shard_id(2), "after:" + sh.seq(7, 1), [sh.shard_id(3)]), err)
        words = shlex.split(rp["restCommand"])
        words[words.index("--idle") + 1] = "0.5"
        r = h.run_tool(words[1:], env=sh.aws_env(self.home), clear_env=False, cwd=self.tmp)
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertEqual([l["sequenceNumber"] for l in report_lines(self.path(
            "r.resume-rest.ndjson")) if "sequenceNumber" in l], [sh.seq(6, 1)])

    def test_sigint_resume_point_continues_per_shard(self):
        """SIGINT mid-stream: the resume point names the shard and its last record read, the
        continuation commands run as printed, write new output files, and with the first run
        every seeded record is acknowledged once or listed, none lost."""
        shards = [sh.shard(1, [rec(sh.seq(1, n)) for n in range(1, 31)]),
                  sh.shard(2, [rec(sh.seq(2, n)) for n in range(1, 31)], parent=1),
                  sh.shard(3, [rec(sh.seq(3, n)) for n in range(1, 31)], parent=2)]
        seeded = [r["dynamodb"]["SequenceNumber"] for s in shards for r in s["Records"]]
        s = self.server(shards, args=("--max-page-records", "4", "--delay-ms", "150"))
        disp = self.start_dispatcher()
        names = {"--report": "rp.ndjson", "-o": "out.json", "--failed-out": "f.json",
                 "--summary-json": "s.json"}
        outputs = []
        for opt, name in names.items():
            outputs += [opt, name]
        e = sh.aws_env(self.home)
        proc = h.start_tool(["--stream", ARN, "--endpoint-url", s.endpoint_url, "-u", disp.url,
                             "-q", "--no-progress"] + outputs, env=e, clear_env=False,
                            cwd=self.tmp)
        disp.wait_requests(6, timeout=30)
        out, err, _ = h.signal_and_wait(proc, signal.SIGINT)
        self.assertEqual(proc.returncode, 130, err)
        first = {n: slurp(self.path(n)) for n in names.values()}
        err = err.decode()
        rp = report_lines(self.path("rp.ndjson"))[-1]["resumePoint"]
        self.assertRegex(rp["shardId"], r"^shardId-")
        self.assertNotRegex(err, r"page \d+ byte|cannot be resumed")
        acked = [l["sequenceNumber"] for l in report_lines(self.path("rp.ndjson"))
                 if l.get("outcome") in ("acknowledged", "task_deleted")]
        listed = [x["itemIdentifier"] for x in json.loads(first["out.json"])["batchItemFailures"]]
        if listed:  # the continuation starts after them: the stop line says where they are kept
            self.assertIn("%d %s not acknowledged %s listed (their records are in "
                          "--failed-out f.json: replay it too)"
                          % (len(listed), "record" if len(listed) == 1 else "records",
                             "was" if len(listed) == 1 else "were"), err)
            self.assertIn("the continuation does not send the %d record%s the stop cut short "
                          "(listed in the response): replay the --failed-out file too"
                          % (len(listed), "" if len(listed) == 1 else "s"), err)
        if rp["from"] is not None:
            # the exact digits of the last record read of that shard
            last = rp["from"][len("after:"):]
            self.assertIn(last, seeded)
            self.assertIn("RESUME POINT: stream %s shard %s, after record" % (ARN, rp["shardId"]),
                          err)
            self.assertIn("--shard %s --from after:%s" % (rp["shardId"], last), rp["command"])
            self.assertEqual(rp["lastSequenceNumber"], last)
        else:
            # none of the shard named was read: no other shard's last record is given for it
            self.assertEqual((rp["lastSequenceNumber"], rp["lastPosition"]), (None, 0))
        shard_ids = [x["ShardId"] for x in shards]
        self.assertEqual(rp["shardsNotRead"], shard_ids[shard_ids.index(rp["shardId"]) + 1:])
        self.assertIn("continue with: " + rp["command"], err)
        n_first = len(disp.requests())
        commands = [rp["command"]] + ([rp["restCommand"]] if rp["restCommand"] else [])
        for cmd in commands:
            words = shlex.split(cmd)
            for name in names.values():
                self.assertNotIn(name, words)  # new output names: this run's files stay
            self.assertIn("rp.resume.ndjson" if cmd == rp["command"] else "rp.resume-rest.ndjson",
                          words)
            res = h.run_tool(words[1:], env=e, clear_env=False, cwd=self.tmp, timeout=120)
            self.assertEqual(res.rc, 0, res)
        self.assertEqual(first, {n: slurp(self.path(n)) for n in names.values()})
        sent = seqs_of_requests(disp)
        first_sent, then_sent = sent[:n_first], sent[n_first:]
        self.assertLessEqual(set(acked), set(first_sent))
        # none lost: acknowledged by the first run, listed by it, or sent by the continuation
        self.assertEqual(set(seeded), set(acked) | set(listed) | set(then_sent))
        # what the first run acknowledged is not sent again, nor anything twice
        self.assertEqual(set(acked) & set(then_sent), set())
        self.assertEqual(len(then_sent), len(set(then_sent)))
        # and the listed ones go through --failed-out: together every record exactly once more
        res = h.run_tool(["-u", disp.url, "-q", self.path("f.json")], env=e, clear_env=False)
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(sorted(set(seqs_of_requests(disp)) - set(acked)),
                         sorted(set(seeded) - set(acked)))

    # ---- credentials --------------------------------------------------------------------------

    def write(self, rel, text, mode=0o600):
        path = os.path.join(self.home, rel)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def read_with(self, keys, env, args=()):
        recs = [rec(sh.seq(4, n)) for n in range(1, 3)]
        s = self.server([sh.shard(1, recs)], keys=keys)
        r = self.tool(s, ["-n", "--shard", sh.shard_id(1)] + list(args), keys=False, env=env)
        return s, r

    def signed_keys(self, s):
        return [c["auth"]["accessKeyId"] for c in s.calls()]

    def test_env_keys(self):
        s, r = self.read_with([("AKENV", "sk-env", "tok-env")],
                              {"AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "sk-env",
                               "AWS_SESSION_TOKEN": "tok-env"})
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertEqual(set(self.signed_keys(s)), {"AKENV"})
        self.assertNotIn("sk-env", r.stderr + r.stdout)
        self.assertNotIn("tok-env", r.stderr + r.stdout)

    def test_profile_and_its_order_with_env_keys(self):
        self.write(".aws/credentials", "[prod]\naws_access_key_id = AKPROF\n"
                                       "aws_secret_access_key = sk-prof\n")
        env = {"AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "sk-env"}
        keys = [("AKPROF", "sk-prof"), ("AKENV", "sk-env")]
        s, r = self.read_with(keys, env, ["--profile", "prod"])
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertEqual(set(self.signed_keys(s)), {"AKPROF"})  # --profile before env keys
        s.stop()
        s2, r2 = self.read_with(keys, dict(env, AWS_PROFILE="prod"))
        self.assertEqual(r2.rc, 0, r2.stderr)
        self.assertEqual(set(self.signed_keys(s2)), {"AKENV"})  # AWS_PROFILE after them
        s2.stop()
        s3, r3 = self.read_with(keys, {"AWS_PROFILE": "prod"})
        self.assertEqual(r3.rc, 0, r3.stderr)
        self.assertEqual(set(self.signed_keys(s3)), {"AKPROF"})

    def test_aws_default_profile_as_the_aws_cli(self):
        # AWS CLI v2 takes AWS_DEFAULT_PROFILE when AWS_PROFILE is unset, and AWS_PROFILE over
        # it: the same profile signs our calls and the real CLI's, case by case.
        self.write(".aws/credentials", "[old]\naws_access_key_id = AKOLD\n"
                                       "aws_secret_access_key = sk-old\n"
                                       "[new]\naws_access_key_id = AKNEW\n"
                                       "aws_secret_access_key = sk-new\n")
        keys = [("AKOLD", "sk-old"), ("AKNEW", "sk-new")]
        for env, want in (({"AWS_DEFAULT_PROFILE": "old"}, "AKOLD"),
                          ({"AWS_DEFAULT_PROFILE": "old", "AWS_PROFILE": "new"}, "AKNEW")):
            s, r = self.read_with(keys, env)
            self.assertEqual(r.rc, 0, r.stderr)
            self.assertEqual(set(self.signed_keys(s)), {want}, env)
            ours = len(s.calls())
            a = sh.run_aws(["dynamodbstreams", "describe-stream", "--stream-arn", ARN],
                           s.endpoint_url, sh.clean_env(self.home, env))
            self.assertEqual(a.rc, 0, a.stderr)
            self.assertEqual(set(self.signed_keys(s)[ours:]), {want}, env)
            s.stop()

    def test_assume_role_profile_is_an_error_not_another_identity(self):
        # The AWS CLI would assume the role; we cannot, and signing with the environment's keys
        # (or the container's, or the instance's) instead would be another identity.
        self.write(".aws/config", "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                                  "source_profile = default\n")
        s, r = self.read_with([("AKENV", "sk-env")],
                              {"AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "sk-env"},
                              ["--profile", "role"])
        self.assertEqual(r.rc, 6, r.stderr)
        self.assertIn("profile role (config file): role_arn is assume role", r.stderr)
        self.assertIn("credential_process = aws configure export-credentials --profile role "
                      "--format process", r.stderr)
        self.assertEqual(s.calls(), [])

    def process_script(self, body):
        return self.write("creds.py", "#!" + sys.executable + "\n" + body, 0o700)

    def test_credential_process(self):
        script = self.process_script(
            "import json\n"
            "print(json.dumps({'Version': 1, 'AccessKeyId': 'AKPROC',"
            " 'SecretAccessKey': 'sk-proc', 'SessionToken': 'tok-proc',"
            " 'Expiration': '2099-01-01T00:00:00Z'}))\n")
        self.write(".aws/config", "[profile sso]\ncredential_process = %s\n" % script)
        s, r = self.read_with([("AKPROC", "sk-proc", "tok-proc")], {}, ["--profile", "sso"])
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertEqual(set(self.signed_keys(s)), {"AKPROC"})

    def test_expiring_credentials_refreshed_mid_run(self):
        # Keys valid for 2 s, over a run of 4 s or more (an open shard polled until --idle 4):
        # fetched again when they expire, so more than one set signs, but not before every
        # call.
        script = self.process_script(sh.ROTATING_CREDENTIALS_PROCESS)
        self.write(".aws/config", "[default]\ncredential_process = %s 2\n" % script)
        recs = [rec(sh.seq(4, n)) for n in range(1, 3)]
        s = self.server([sh.shard(1, recs, closed=False)],
                        keys=[("AKR0", "sk-r"), ("AKR1", "sk-r"), ("AKR2", "sk-r")])
        r = self.tool(s, ["-n", "--shard", sh.shard_id(1), "--idle", "4"], keys=False, env={})
        self.assertEqual(r.rc, 0, r.stderr)
        used = self.signed_keys(s)
        self.assertGreaterEqual(len(set(used)), 2, used)
        self.assertTrue(all(c["auth"]["ok"] for c in s.calls()))
        with open(os.path.join(self.home, "count")) as f:
            fetched = int(f.read())
        self.assertLess(fetched, len(used) / 2, (fetched, used))

    def test_range_failing_midway_says_where_its_unread_part_starts(self):
        # Found by an operator audit: the report line was the only place that said it, and its
        # awsError was null although the AWS error was named in the message.
        recs = [rec(sh.seq(8, n)) for n in range(1, 21)]
        s = self.server([sh.shard(1, recs)], args=[
            "--max-page-records", "3", "--fault", "ThrottlingException,ops=GetRecords,after=3"])
        report = self.path("r.ndjson")
        env = sh.aws_env(self.home, extra={"AWS_MAX_ATTEMPTS": "2"})
        r = h.run_tool(["-n", "--no-progress", "--stream", ARN, "--endpoint-url", s.endpoint_url,
                        "--to", sh.seq(8, 20), "--report", report], env=env, clear_env=False)
        self.assertEqual(r.rc, 6, r.stderr)
        self.assertIn("9 records of the range were read before: the rest is read with --shard "
                      "%s --from after:%s --to %s)" % (sh.shard_id(1), sh.seq(8, 9), sh.seq(8, 20)),
                      r.stderr)
        bad = [l for l in report_lines(report) if l.get("cause") == "retries"]
        self.assertEqual([(l["start"], l["awsError"]) for l in bad],
                         [("after:" + sh.seq(8, 9), "ThrottlingException")])

    def test_unreadable_ranges_have_commands_that_read_them_again(self):
        # Review 62: a range unreadable mid-run had no resumePoint, only an --from after:
        # fragment in its error line. Each range that is not lost gets a whole command, on
        # stderr, in the report and in --summary-json; run once the endpoint is healthy, the
        # commands read exactly what was left: every record once over all the runs.
        shards = [sh.shard(n, [rec(sh.seq(n, k)) for k in range(1, 11)]) for n in (1, 2, 3)]
        s = self.server(shards, args=[
            "--max-page-records", "3",
            "--fault", "ThrottlingException,ops=GetRecords,shard=%s,after=2" % sh.shard_id(1),
            "--fault", "ThrottlingException,ops=GetRecords,shard=%s" % sh.shard_id(3)])
        report, summary = self.path("r.ndjson"), self.path("s.json")
        r = self.tool(s, ["-n", "--report", report, "--summary-json", summary],
                      env={"AWS_MAX_ATTEMPTS": "1"})
        self.assertEqual(r.rc, 6, r.stderr)
        with open(summary) as f:
            again = json.load(f)["readAgain"]
        self.assertEqual(report_lines(report)[-1], {"readAgain": again})
        self.assertEqual([(a["shardIds"], a["from"], a["exact"]) for a in again],
                         [([sh.shard_id(1)], "after:" + sh.seq(1, 6), True),
                          ([sh.shard_id(3)], "trim-horizon", True)])
        # review 64: not "0 records of the range were read before"
        self.assertRegex(r.stderr, r"shard %s \(from trim-horizon to the end\): GetRecords: .*; no "
                                   r"record of the range was read\)" % sh.shard_id(3))
        for a in again:
            self.assertIn("UNREAD: shard %s, from %s on" % (a["shardIds"][0], a["from"]),
                          r.stderr)
            self.assertIn("read it again with: " + a["command"], r.stderr)
        read = [l["sequenceNumber"] for l in report_lines(report) if "sequenceNumber" in l]
        s.control({"faults": []})
        for a in again:
            argv = shlex.split(a["command"])
            self.assertEqual(argv[0], h.BIN)
            r2 = h.run_tool(argv[1:], env=sh.aws_env(self.home), clear_env=False)
            self.assertEqual(r2.rc, 0, r2.stderr)
            out = argv[argv.index("--report") + 1]
            self.assertNotEqual(out, report)
            read += [l["sequenceNumber"] for l in report_lines(out) if "sequenceNumber" in l]
        self.assertEqual(sorted(read), sorted(sh.seq(n, k) for n in (1, 2, 3)
                                              for k in range(1, 11)))

    def test_transport_failure_names_the_endpoint(self):
        # Where the call went, as the AWS CLI says it: the endpoint may come from an
        # AWS_ENDPOINT_URL the operator forgot was set; a user:password part is not shown.
        port = h.free_port()
        env = sh.aws_env(self.home, extra={"AWS_MAX_ATTEMPTS": "1",
                                            "AWS_ENDPOINT_URL": "http://u:pw@127.0.0.1:%d" % port})
        r = h.run_tool(["-n", "--stream", ARN], env=env, clear_env=False)
        self.assertEqual(r.rc, 6, r.stderr)
        self.assertIn("(http://<redacted>@127.0.0.1:%d)" % port, r.stderr)
        self.assertNotIn("pw", r.stderr)
        env["AWS_ENDPOINT_URL"] = "ftp://127.0.0.1/"
        r = h.run_tool(["-n", "--stream", ARN], env=env, clear_env=False)
        self.assertEqual(r.rc, 2, r.stderr)
        self.assertIn("AWS_ENDPOINT_URL: not an http:// or https:// URL: 'ftp://127.0.0.1/'",
                      r.stderr)
        # On the command line a password shows in ps: --endpoint-url refuses it, unrepeated.
        del env["AWS_ENDPOINT_URL"]
        for url, why in (("http://u:pw@127.0.0.1:%d/" % port, "a user name or password"),
                         ("ftp://u:pw@127.0.0.1/", "not an http:// or https:// URL"),
                         ("http://127.0.0.1:%d/ x" % port, "white space or a control")):
            r = h.run_tool(["-n", "--stream", ARN, "--endpoint-url", url], env=env,
                           clear_env=False)
            self.assertEqual(r.rc, 2, r.stderr)
            self.assertIn("--endpoint-url: " + why, r.stderr)
            self.assertNotIn("pw", r.stderr)

    def test_an_endpoint_that_is_not_dynamodb_streams_is_said(self):
        # A wrong --endpoint-url (the dispatcher, a web server) must not read as an empty
        # shard: a 200 that is not JSON 1.0 is a protocol error, an error answer with no AWS
        # error in it says its HTTP status.
        answers = {"200": (200, "application/json"), "404": (404, "text/html")}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                code, ctype = answers[self.server.mode]
                body = b'{"outcome":"dispatched"}'
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.addCleanup(srv.server_close)
        self.addCleanup(srv.shutdown)
        url = "http://127.0.0.1:%d" % srv.server_address[1]
        env = sh.aws_env(self.home, extra={"AWS_MAX_ATTEMPTS": "1"})
        for mode, cause, said in (
                ("200", "protocol", "answered HTTP 200 with Content-Type application/json, not "
                                    "application/x-amz-json-1.0: not a DynamoDB Streams endpoint"),
                ("404", "protocol", "HTTP 404 with no AWS error in the answer")):
            srv.mode = mode
            report = self.path("r%s.ndjson" % mode)
            r = h.run_tool(["-n", "--stream", ARN, "--shard", "shardId-1", "--endpoint-url", url,
                            "--report", report], env=env, clear_env=False)
            self.assertEqual(r.rc, 6, r.stderr)
            self.assertIn(said, r.stderr)
            line, again = report_lines(report)
            self.assertEqual((line["outcome"], line["cause"]), ("unreadable", cause))
            self.assertEqual(again["readAgain"][0]["shardIds"], ["shardId-1"])

    def test_endpoint_that_never_answers_is_said_while_waited_on(self):
        # Review 62: a port that accepts and never answers held each attempt its whole 30 s
        # without a word. Now the wait is said 5 s in, naming the endpoint and how long the
        # attempt may wait (and such timeouts, with no answer ever, give up after two).
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(8)
        self.addCleanup(lsock.close)
        url = "http://127.0.0.1:%d" % lsock.getsockname()[1]
        t0 = time.monotonic()
        r = h.run_tool(["-n", "--no-progress", "--stream", ARN, "--endpoint-url", url,
                        "--max-time", "7"], env=sh.aws_env(self.home), clear_env=False)
        self.assertEqual(r.rc, 124, r.stderr)
        self.assertLess(time.monotonic() - t0, 20)
        self.assertIn("DescribeStream: no answer yet from %s after 5 s; the attempt waits up "
                      "to 30 s" % url, r.stderr)

    def test_no_credentials_no_connection_exit_6(self):
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(8)
        lsock.settimeout(0.5)
        self.addCleanup(lsock.close)
        url = "http://127.0.0.1:%d" % lsock.getsockname()[1]
        report = self.path("r.ndjson")
        r = h.run_tool(["-n", "--stream", ARN, "--endpoint-url", url, "--report", report],
                       env=sh.clean_env(self.home), clear_env=False)
        self.assertEqual(r.rc, 6, r.stderr)
        for source in ("environment", "profile default", "container", "IMDS"):
            self.assertIn(source, r.stderr)
        self.assertEqual(report_lines(report)[0]["cause"], "credentials")
        # a range's credentials failure names the range, as its other failures do
        r = h.run_tool(["-n", "--stream", ARN, "--shard", "shardId-1", "--endpoint-url", url],
                       env=sh.clean_env(self.home), clear_env=False)
        self.assertEqual(r.rc, 6, r.stderr)
        self.assertIn("stream %s shard shardId-1 (from trim-horizon to the end): " % ARN,
                      r.stderr)
        with self.assertRaises(socket.timeout):
            lsock.accept()
        # strace proves no socket reached anywhere else either (IMDS, container); setup.sh
        # installs it, and a missing one fails the test rather than skip the proof
        self.assertTrue(os.path.exists("/usr/bin/strace"), "strace (Debian package) is needed")
        env = sh.clean_env(self.home)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        proc = subprocess.run(["/usr/bin/strace", "-f", "-e", "trace=connect", h.BIN, "-n",
                               "--stream", ARN, "--endpoint-url", url], env=env,
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 6, proc.stderr)
        inet = [l for l in proc.stderr.splitlines() if "AF_INET" in l]
        self.assertEqual(inet, [], proc.stderr)

    def test_signature_matches_botocore(self):
        token = "tok-sig/+="
        s, r = self.read_with([(sh.KEY_ID, sh.SECRET, token)],
                              {"AWS_ACCESS_KEY_ID": sh.KEY_ID,
                               "AWS_SECRET_ACCESS_KEY": sh.SECRET,
                               "AWS_SESSION_TOKEN": token})
        self.assertEqual(r.rc, 0, r.stderr)
        calls = s.calls()
        self.assertGreaterEqual(len(calls), 2)
        for call in calls:
            got = sh.resign(call, sh.SECRET)
            self.assertTrue(got.ok, got)
            self.assertIn("x-amz-target", got.signed_headers.split(";"))
            self.assertIn("x-amz-security-token", got.signed_headers.split(";"))


# ---- the stream's TLS trust and attempts, as the AWS CLI takes them -----------------------------

class StreamSettingsTest(PKICase):
    """AWS_CA_BUNDLE / ca_bundle and AWS_MAX_ATTEMPTS / max_attempts reach the Streams client
    with botocore's order, and the real AWS CLI agrees on each case checked."""

    def setUp(self):
        super().setUp()
        self.home = self.path("home")
        os.makedirs(os.path.join(self.home, ".aws"))

    def write(self, rel, text):
        with open(os.path.join(self.home, rel), "w", encoding="utf-8") as f:
            f.write(text)

    def server(self, args=(), tls=True):
        recs = [rec(sh.seq(6, n)) for n in range(1, 4)]
        s = sh.StreamsServer(self.tmp, seed=sh.stream_seed([sh.shard(1, recs)]), args=args,
                             tls=(self.pki["cert"], self.pki["key"]) if tls else None)
        s.start()
        self.addCleanup(s.stop)
        return s

    def tool(self, s, env=None, args=()):
        e = sh.aws_env(self.home, extra=env)
        return h.run_tool(["-n", "--no-progress", "--stream", ARN, "--shard", sh.shard_id(1),
                           "--endpoint-url", s.endpoint_url] + list(args),
                          env=e, clear_env=False, timeout=60)

    def aws(self, s, env=None):
        return sh.run_aws(["dynamodbstreams", "describe-stream", "--stream-arn", ARN],
                          s.endpoint_url, sh.aws_env(self.home, extra=env))

    def assert_read(self, r):
        self.assertEqual(r.rc, 0, r.stderr)
        self.assertEqual(r.response, {"batchItemFailures": []}, r.stdout)
        self.assertIn("3 records", r.stderr)

    def test_untrusted_endpoint_named_no_request_sent(self):
        s = self.server()
        r = self.tool(s)
        self.assertEqual(r.rc, 6, r.stderr)
        self.assertIn("TLS certificate was refused", r.stderr)
        self.assertIn("CAs trusted: the system store", r.stderr)
        self.assertIn("AWS_CA_BUNDLE", r.stderr)
        self.assertEqual(s.calls(), [], "a request got through an unverified handshake")
        # --cacert is the dispatcher's: it does not make the stream's endpoint trusted
        r = self.tool(s, args=["--cacert", self.pki["ca"]])
        self.assertEqual(r.rc, 6, r.stderr)
        self.assertEqual(s.calls(), [])
        aws = self.aws(s)
        self.assertNotEqual(aws.rc, 0, aws)
        self.assertIn("SSL", aws.stderr)

    def test_certificate_for_another_name_refused_with_curls_reason(self):
        recs = [rec(sh.seq(6, 1))]
        s = sh.StreamsServer(self.tmp, seed=sh.stream_seed([sh.shard(1, recs)]),
                             tls=(self.pki["other_cert"], self.pki["other_key"]))
        s.start()
        self.addCleanup(s.stop)
        r = self.tool(s, {"AWS_CA_BUNDLE": self.pki["ca"]})
        self.assertEqual(r.rc, 6, r.stderr)
        self.assertIn("TLS certificate was refused", r.stderr)
        self.assertIn("127.0.0.1", r.stderr.split("refused", 1)[1])  # curl's: the name
        self.assertIn("CAs trusted: %s (AWS_CA_BUNDLE)" % self.pki["ca"], r.stderr)
        self.assertEqual(s.calls(), [])
        # A long bundle path leaves the advice whole (it was cut at 256 bytes).
        deep = os.path.join(self.tmp, "d" * 200, "e" * 200)
        os.makedirs(deep)
        ca = os.path.join(deep, "ca.pem")
        shutil.copy(self.pki["ca"], ca)
        r = self.tool(s, {"AWS_CA_BUNDLE": ca})
        self.assertEqual(r.rc, 6, r.stderr)
        self.assertIn("CAs trusted: %s (AWS_CA_BUNDLE)): the CA that signed it is named with "
                      "AWS_CA_BUNDLE or ca_bundle in the profile" % ca, r.stderr)

    def test_server_certificate_as_the_bundle_is_not_a_trust_anchor(self):
        # The server's own leaf certificate (signed by the test CA, not self-signed) given as
        # the bundle: botocore (Python's ssl, no partial chains) refuses the handshake, and so
        # do we. libcurl would take any certificate in the bundle as an anchor.
        s = self.server()
        r = self.tool(s, {"AWS_CA_BUNDLE": self.pki["cert"]})
        self.assertEqual(r.rc, 6, r.stderr)
        self.assertIn("TLS certificate was refused", r.stderr)
        self.assertEqual(s.calls(), [])
        aws = self.aws(s, {"AWS_CA_BUNDLE": self.pki["cert"]})
        self.assertNotEqual(aws.rc, 0, aws)
        self.assertIn("SSL", aws.stderr)
        self.assert_read(self.tool(s, {"AWS_CA_BUNDLE": self.pki["ca"]}))

    def test_environment_keys_need_no_readable_profile_file(self):
        s = self.server()
        for name in ("credentials", "config"):  # each a link to itself: ELOOP on open
            os.symlink(name, os.path.join(self.home, ".aws", name))
        self.assert_read(self.tool(s, {"AWS_CA_BUNDLE": self.pki["ca"]}))

    def test_ca_bundle_from_environment_then_profile(self):
        s = self.server()
        self.assert_read(self.tool(s, {"AWS_CA_BUNDLE": self.pki["ca"]}))
        self.assertEqual(self.aws(s, {"AWS_CA_BUNDLE": self.pki["ca"]}).rc, 0)
        # the environment before the profile: the profile's bundle is never opened
        self.write(".aws/config", "[default]\nca_bundle = %s\n" % self.path("missing.pem"))
        self.assert_read(self.tool(s, {"AWS_CA_BUNDLE": self.pki["ca"]}))
        # the profile's, the credentials file's value over the config file's
        self.write(".aws/credentials", "[replay]\nca_bundle = %s\n" % self.pki["ca"])
        self.write(".aws/config", "[profile replay]\nca_bundle = %s\n" % self.path("missing.pem"))
        self.assert_read(self.tool(s, {"AWS_PROFILE": "replay"}))
        self.assertEqual(self.aws(s, {"AWS_PROFILE": "replay"}).rc, 0)
        self.write(".aws/config", "[profile other]\nca_bundle = %s\naws_access_key_id = %s\n"
                   "aws_secret_access_key = %s\n" % (self.pki["ca"], sh.KEY_ID, sh.SECRET))
        self.assert_read(self.tool(s, args=["--profile", "other"]))

    def test_unreadable_ca_bundle_stops_before_any_call(self):
        s = self.server()
        missing = self.path("missing.pem")
        r = self.tool(s, {"AWS_CA_BUNDLE": missing})
        self.assertEqual(r.rc, 2, r.stderr)
        self.assertIn("AWS_CA_BUNDLE: %s: cannot be used as a CA bundle: No such file" % missing,
                      r.stderr)
        self.write(".aws/config", "[default]\nca_bundle = %s\n" % missing)
        r = self.tool(s)
        self.assertEqual(r.rc, 2, r.stderr)
        self.assertIn("profile default (config file) ca_bundle: %s: cannot be used" % missing,
                      r.stderr)
        empty = self.path("empty.pem")
        open(empty, "w").close()
        for path, why in ((self.tmp, "not a regular file"), (empty, "empty")):
            r = self.tool(s, {"AWS_CA_BUNDLE": path})
            self.assertEqual(r.rc, 2, r.stderr)
            self.assertIn("AWS_CA_BUNDLE: %s: cannot be used as a CA bundle: %s" % (path, why),
                          r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertEqual(s.calls(), [])

    def test_max_attempts_counts_every_call_as_the_aws_cli_does(self):
        s = self.server(["--fault", "InternalServerError,ops=DescribeStream,count=100"], tls=False)
        for env, attempts in (({"AWS_MAX_ATTEMPTS": "2"}, 2), ({}, 1)):
            self.write(".aws/config", "[default]\nmax_attempts = 1\n")
            before = len(s.calls())
            r = h.run_tool(["-n", "--no-progress", "--stream", ARN, "--endpoint-url",
                            s.endpoint_url], env=sh.aws_env(self.home, extra=env),
                           clear_env=False, timeout=60)
            self.assertEqual(r.rc, 6, r.stderr)
            self.assertIn("still failing after %d attempt" % attempts, r.stderr)
            # the first retry of a call is said without -v: an operator sees why it waits
            retried = "DescribeStream: InternalServerError; attempt 2 of 2 in"
            self.assertEqual(r.stderr.count(retried), 1 if attempts == 2 else 0, r.stderr)
            ours = len(s.calls()) - before
            aws = self.aws(s, env)
            self.assertNotEqual(aws.rc, 0, aws)
            self.assertEqual((ours, len(s.calls()) - before - ours), (attempts, attempts))
        for bad in ("0", "101", "2x", "-1"):
            r = self.tool(s, {"AWS_MAX_ATTEMPTS": bad})
            self.assertEqual(r.rc, 2, r.stderr)
            self.assertIn('AWS_MAX_ATTEMPTS: "%s" is not a whole number from 1 to 100' % bad,
                          r.stderr)


if __name__ == "__main__":
    unittest.main()
