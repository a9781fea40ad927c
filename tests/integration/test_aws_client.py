"""The core AWS client (Streams reader + credential chain) against scripts/test-streams.py,
through tests/tools/streams_probe.c.  Loopback only: every run starts from
streams_harness.clean_env() (no AWS_* variables, no proxies, IMDS disabled, HOME a temp dir)
and passes --endpoint-url to 127.0.0.1; a test that needs IMDS or container credentials points
them at a loopback server of its own.

A2A_STREAMS_PROBE overrides the probe's path (default: next to the unit tests in the build
tree, found from A2A_RECOVER_BIN).
"""

import http.server
import json
import os
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import streams_harness as sh  # noqa: E402


def probe_path():
    if os.environ.get("A2A_STREAMS_PROBE"):
        return os.environ["A2A_STREAMS_PROBE"]
    bin_path = os.environ.get("A2A_RECOVER_BIN", "")
    build = os.path.dirname(os.path.dirname(os.path.abspath(bin_path))) if bin_path else ""
    path = os.path.join(build, "tests", "unit", "streams_probe")
    if not os.access(path, os.X_OK):
        raise AssertionError("streams_probe not found (set A2A_STREAMS_PROBE): " + path)
    return path


ARN = sh.STREAM_ARN_DEMO


def rec(seq_text):
    return sh.stream_record(seq_text, "acme", "task-" + seq_text[-3:])


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stderr = proc.stderr
        self.lines = [json.loads(l) for l in proc.stdout.splitlines() if l.strip()]

    def records(self):
        return [(d["record"]["shard"], d["record"]["seq"]) for d in self.lines if "record" in d]

    def seqs(self):
        return [s for _, s in self.records()]

    def ends(self):
        return [d["end"] for d in self.lines if "end" in d]

    def lost(self):
        return [d["lost"] for d in self.lines if "lost" in d]

    def error(self):
        errs = [d["error"] for d in self.lines if "error" in d]
        return errs[0] if errs else None

    def __repr__(self):
        return "rc=%d stdout=%s stderr=%s" % (self.rc, self.lines, self.stderr)


class AwsClientTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="a2a-aws-client-")
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(os.path.join(self.home, ".aws"))
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", self.tmp]))

    def server(self, shards, keys=None, args=()):
        s = sh.StreamsServer(self.tmp, seed=sh.stream_seed(shards), keys=keys, args=args)
        s.start()
        self.addCleanup(s.stop)
        return s

    def probe(self, args, env_extra=None, keys=True, timeout=120):
        env = sh.aws_env(self.home) if keys else sh.clean_env(self.home)
        env.update(env_extra or {})
        proc = subprocess.run([probe_path()] + args, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)
        return Result(proc)

    def read(self, server, extra=(), **kw):
        return self.probe(["--stream", ARN, "--endpoint-url", server.endpoint_url, "--idle",
                           "1000"] + list(extra), **kw)

    # ---- reading -------------------------------------------------------------------------

    def test_lineage_order_across_describe_pages(self):
        a = [rec(sh.seq(1, n)) for n in range(1, 4)]
        b = [rec(sh.seq(2, n)) for n in range(1, 3)]
        c = [rec(sh.seq(3, n)) for n in range(1, 3)]
        d = [rec(sh.seq(4, n)) for n in range(1, 2)]
        # listed children first, with a root whose parent was trimmed away
        shards = [sh.shard(3, c, parent=2), sh.shard(2, b, parent=1), sh.shard(4, d, parent=99),
                  sh.shard(1, a, parent=98)]
        s = self.server(shards, args=["--describe-page-size", "1"])
        r = self.read(s)
        self.assertEqual(r.rc, 0, r)
        firsts = list(dict.fromkeys(shard for shard, _ in r.records()))
        # parents before children (1, 2, 3); 4's parent is not listed: a root, after them
        self.assertEqual(firsts, [sh.shard_id(n) for n in (1, 2, 3, 4)])
        self.assertLess(firsts.index(sh.shard_id(1)), firsts.index(sh.shard_id(2)))
        self.assertLess(firsts.index(sh.shard_id(2)), firsts.index(sh.shard_id(3)))
        self.assertEqual(len(r.seqs()), 8)
        self.assertEqual(len(set(r.seqs())), 8)
        describes = [c for c in s.calls() if c["op"] == "DescribeStream"]
        self.assertEqual(len(describes), 4)
        self.assertIn("ExclusiveStartShardId", describes[1]["request"]["body"])
        self.assertNotIn("ExclusiveStartShardId", describes[0]["request"]["body"])

    def test_boundaries_at_after_and_inclusive_end(self):
        recs = [rec(sh.seq(5, n)) for n in range(1, 11)]
        s = self.server([sh.shard(1, recs)])
        sid = sh.shard_id(1)
        cases = [
            (["--from", "at:" + sh.seq(5, 3), "--to", sh.seq(5, 6)], [3, 4, 5, 6]),
            (["--from", "after:" + sh.seq(5, 3), "--to", sh.seq(5, 6)], [4, 5, 6]),
            (["--from", "at:" + sh.seq(5, 10)], [10]),
            (["--to", sh.seq(5, 1)], [1]),
            (["--from", "trim-horizon"], list(range(1, 11))),
        ]
        for args, want in cases:
            r = self.read(s, ["--shard", sid] + args)
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(r.seqs(), [sh.seq(5, n) for n in want], args)

    def test_end_inside_a_page_stops_reading_an_open_shard(self):
        recs = [rec(sh.seq(6, n)) for n in range(1, 21)]
        s = self.server([sh.shard(1, recs, closed=False)], args=["--max-page-records", "5"])
        r = self.read(s, ["--shard", sh.shard_id(1), "--to", sh.seq(6, 7)])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.seqs(), [sh.seq(6, n) for n in range(1, 8)])
        # two pages: 1-5, 6-10 (8-10 beyond the end); nothing after that
        self.assertEqual(len([c for c in s.calls() if c["op"] == "GetRecords"]), 2)

    def test_twenty_empty_pages_then_data_at_four_calls_a_second(self):
        recs = [rec(sh.seq(7, n)) for n in range(1, 4)]
        s = self.server([sh.shard(1, recs, EmptyPagesBefore=20)])
        # the shard is not known closed here: the default 10 s idle must outlast 20 pages
        r = self.read(s, ["--shard", sh.shard_id(1), "--idle", "10000"])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.seqs(), [sh.seq(7, n) for n in range(1, 4)])
        gets = [c for c in s.calls() if c["op"] == "GetRecords"]
        self.assertGreaterEqual(len(gets), 21)
        times = [c["time"] for c in gets]
        gaps = [b - a for a, b in zip(times, times[1:])]
        self.assertGreaterEqual(min(gaps), 0.2, gaps)  # 250 ms pace, log time at completion

    def test_open_shard_ends_after_idle(self):
        recs = [rec(sh.seq(8, n)) for n in range(1, 3)]
        s = self.server([sh.shard(1, recs, closed=False)])
        t0 = time.monotonic()
        r = self.read(s, ["--shard", sh.shard_id(1)])
        took = time.monotonic() - t0
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.seqs(), [sh.seq(8, 1), sh.seq(8, 2)])
        self.assertGreaterEqual(took, 1.0)
        self.assertLess(took, 5.0)

    def test_iterator_expiry_mid_shard_loses_and_repeats_nothing(self):
        recs = [rec(sh.seq(9, n)) for n in range(1, 31)]
        s = self.server([sh.shard(1, recs)],
                        args=["--max-page-records", "4", "--expire-iterator-after", "2"])
        r = self.read(s, ["--shard", sh.shard_id(1), "--poll", "10"])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.seqs(), [sh.seq(9, n) for n in range(1, 31)])
        self.assertEqual(r.ends()[0]["expired"], 3)  # 8 pages, 2 per iterator chain
        its = [c for c in s.calls() if c["op"] == "GetShardIterator"]
        self.assertTrue(any("AFTER_SEQUENCE_NUMBER" in c["request"]["body"] for c in its))
        # an expired iterator is never sent again
        used = [json.loads(c["request"]["body"])["ShardIterator"]
                for c in s.calls() if c["op"] == "GetRecords"]
        expired = [json.loads(c["request"]["body"])["ShardIterator"]
                   for c in s.calls() if c["op"] == "GetRecords" and
                   c.get("error") == "ExpiredIteratorException"]
        for it in expired:
            self.assertEqual(used.count(it), 1)

    def test_throttling_storm_is_retried(self):
        recs = [rec(sh.seq(1, n)) for n in range(1, 6)]
        s = self.server([sh.shard(1, recs)], args=[
            "--fault", "ThrottlingException,ops=GetRecords,count=4",
            "--fault", "LimitExceededException,ops=GetShardIterator,count=1",
            "--fault", "InternalServerError,ops=DescribeStream,count=1"])
        r = self.read(s)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.seqs(), [sh.seq(1, n) for n in range(1, 6)])
        self.assertEqual(r.ends()[0]["retries"], 5)

    def test_trimmed_start_is_read_around_and_the_loss_named(self):
        # records 2-4 of the range 2-8 are trimmed: the loss (through 4) comes first, then 5-8
        recs = [rec(sh.seq(2, n)) for n in range(1, 11)]
        s = self.server([sh.shard(1, recs)], args=["--trim-before", sh.seq(2, 5)])
        r = self.read(s, ["--shard", sh.shard_id(1), "--from", "at:" + sh.seq(2, 2), "--to",
                          sh.seq(2, 8)])
        self.assertEqual(r.rc, 6, r)
        self.assertIsNone(r.error(), r)
        self.assertEqual(r.lost(), [{"shard": sh.shard_id(1), "through": sh.seq(2, 4)}])
        self.assertEqual(r.seqs(), [sh.seq(2, n) for n in range(5, 9)])
        self.assertLess([i for i, d in enumerate(r.lines) if "lost" in d][0],
                        [i for i, d in enumerate(r.lines) if "record" in d][0])
        self.assertEqual([json.loads(c["request"]["body"])["ShardIteratorType"]
                          for c in s.calls() if c["op"] == "GetShardIterator"],
                         ["AT_SEQUENCE_NUMBER", "TRIM_HORIZON"])

    def test_trimmed_range_is_unreadable_and_named(self):
        # every record of the range 2-8 is trimmed (the first left, 9, is past its end)
        recs = [rec(sh.seq(2, n)) for n in range(1, 11)]
        s = self.server([sh.shard(1, recs)], args=["--trim-before", sh.seq(2, 9)])
        r = self.read(s, ["--shard", sh.shard_id(1), "--from", "at:" + sh.seq(2, 2), "--to",
                          sh.seq(2, 8)])
        self.assertEqual(r.rc, 6, r)
        self.assertEqual((r.lost(), r.seqs()), ([], []))
        err = r.error()
        self.assertEqual(err["cause"], "trimmed")
        self.assertIn(ARN, err["message"])
        self.assertIn(sh.shard_id(1), err["message"])
        self.assertIn(sh.seq(2, 2), err["message"])
        self.assertIn(sh.seq(2, 8), err["message"])

    def test_permanent_errors_are_not_retried(self):
        recs = [rec(sh.seq(3, n)) for n in range(1, 3)]
        for kind, cause in (("AccessDeniedException", "denied"),
                            ("ResourceNotFoundException", "not-found"),
                            ("UnrecognizedClientException", "denied")):
            s = self.server([sh.shard(1, recs)], args=["--fault", kind + ",ops=GetRecords"])
            r = self.read(s, ["--shard", sh.shard_id(1)])
            self.assertEqual(r.rc, 6, r)
            self.assertEqual(r.error()["cause"], cause)
            self.assertEqual(len([c for c in s.calls() if c["op"] == "GetRecords"]), 1)
            s.stop()

    # ---- credentials ----------------------------------------------------------------------

    def write(self, rel, text, mode=0o600):
        path = os.path.join(self.home, rel)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def read_with(self, keys, env, args=()):
        recs = [rec(sh.seq(4, n)) for n in range(1, 3)]
        s = self.server([sh.shard(1, recs)], keys=keys)
        r = self.probe(["--stream", ARN, "--endpoint-url", s.endpoint_url, "--shard",
                        sh.shard_id(1)] + list(args), env_extra=env, keys=False)
        return s, r

    def signed_keys(self, s):
        return [c["auth"]["accessKeyId"] for c in s.calls()]

    def test_env_keys(self):
        s, r = self.read_with([("AKENV", "sk-env", "tok-env")],
                              {"AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "sk-env",
                               "AWS_SESSION_TOKEN": "tok-env"})
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(set(self.signed_keys(s)), {"AKENV"})
        for c in s.calls():
            self.assertTrue(c["auth"]["ok"])
            headers = {k.lower(): v for k, v in c["request"]["headers"]}
            self.assertEqual(headers["x-amz-security-token"], "tok-env")

    def test_profile_static_keys_and_order(self):
        self.write(".aws/credentials", "[prod]\naws_access_key_id = AKPROF\n"
                                       "aws_secret_access_key = sk-prof\n")
        s, r = self.read_with([("AKPROF", "sk-prof"), ("AKENV", "sk-env")],
                              {"AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "sk-env"},
                              ["--profile", "prod"])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(set(self.signed_keys(s)), {"AKPROF"})  # --profile skips env keys
        s2, r2 = self.read_with([("AKPROF", "sk-prof"), ("AKENV", "sk-env")],
                                {"AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "sk-env",
                                 "AWS_PROFILE": "prod"})
        self.assertEqual(r2.rc, 0, r2)
        self.assertEqual(set(self.signed_keys(s2)), {"AKENV"})  # AWS_PROFILE does not

    def process_script(self, body):
        return self.write("creds.py", "#!" + sys.executable + "\n" + body, 0o700)

    def test_credential_process_without_a_shell(self):
        script = self.process_script(
            "import json, sys\n"
            "assert sys.argv[1:] == ['--role', 'a b'], sys.argv\n"
            "print(json.dumps({'Version': 1, 'AccessKeyId': 'AKPROC',"
            " 'SecretAccessKey': 'sk-proc', 'SessionToken': 'tok-proc',"
            " 'Expiration': '2099-01-01T00:00:00Z'}))\n")
        self.write(".aws/config", "[profile p]\ncredential_process = %s --role 'a b'\n" % script)
        s, r = self.read_with([("AKPROC", "sk-proc", "tok-proc")], {"AWS_PROFILE": "p"})
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(set(self.signed_keys(s)), {"AKPROC"})

    def test_short_lived_credentials_are_not_fetched_before_every_call(self):
        # Every set expires within the refresh margin (240 s against 300 s), so each is due
        # as soon as it comes. They are used while they hold, and fetched again at most once
        # a minute: not once per call, as before.
        script = self.process_script(sh.ROTATING_CREDENTIALS_PROCESS)
        self.write(".aws/config", "[default]\ncredential_process = %s\n" % script)
        s, r = self.read_with([("AKR0", "sk-r"), ("AKR1", "sk-r"), ("AKR2", "sk-r")], {})
        self.assertEqual(r.rc, 0, r)
        used = self.signed_keys(s)
        self.assertGreater(len(used), 1, used)
        self.assertEqual(set(used), {"AKR0"})
        with open(os.path.join(self.home, "count")) as f:
            self.assertEqual(int(f.read()), 1)

    def serve(self, handler_cls):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_cls)
        srv.hits = []
        t = threading.Thread(target=srv.serve_forever, daemon=True)
        t.start()
        self.addCleanup(srv.server_close)
        self.addCleanup(srv.shutdown)
        return srv

    def creds_json(self, key):
        exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        return json.dumps({"Code": "Success", "AccessKeyId": key, "SecretAccessKey": "sk-" + key,
                           "Token": "tok-" + key, "Expiration": exp}).encode()

    def container_server(self):
        test = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.server.hits.append((self.path, self.headers.get("Authorization")))
                body = test.creds_json("AKCONT")
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass
        return self.serve(H)

    def imds_server(self):
        test = self

        class H(http.server.BaseHTTPRequestHandler):
            def reply(self, code, body=b""):
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self):
                self.server.hits.append(("PUT", self.path,
                                         self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")))
                self.reply(200, b"imds-token") if self.path == "/latest/api/token" else \
                    self.reply(404)

            def do_GET(self):
                self.server.hits.append(("GET", self.path,
                                         self.headers.get("X-aws-ec2-metadata-token")))
                if self.headers.get("X-aws-ec2-metadata-token") != "imds-token":
                    return self.reply(401)
                base = "/latest/meta-data/iam/security-credentials/"
                if self.path == base:
                    return self.reply(200, b"role-x\n")
                if self.path == base + "role-x":
                    return self.reply(200, test.creds_json("AKIMDS"))
                self.reply(404)

            def log_message(self, *a):
                pass
        return self.serve(H)

    def test_container_full_uri_with_token_file(self):
        srv = self.container_server()
        token = self.write("token", "Bearer pod-token")
        uri = "http://127.0.0.1:%d/creds" % srv.server_address[1]
        s, r = self.read_with([("AKCONT", "sk-AKCONT", "tok-AKCONT")],
                              {"AWS_CONTAINER_CREDENTIALS_FULL_URI": uri,
                               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": token,
                               "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ignored"})
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(set(self.signed_keys(s)), {"AKCONT"})
        self.assertEqual(srv.hits[0], ("/creds", "Bearer pod-token"))

    def test_imdsv2_on_loopback(self):
        srv = self.imds_server()
        endpoint = "http://127.0.0.1:%d" % srv.server_address[1]
        s, r = self.read_with([("AKIMDS", "sk-AKIMDS", "tok-AKIMDS")],
                              {"AWS_EC2_METADATA_DISABLED": "false",
                               "AWS_EC2_METADATA_SERVICE_ENDPOINT": endpoint})
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(set(self.signed_keys(s)), {"AKIMDS"})
        self.assertEqual(srv.hits[0], ("PUT", "/latest/api/token", "21600"))
        self.assertEqual([h[0] for h in srv.hits], ["PUT", "GET", "GET"])

    def test_source_order(self):
        cont = self.container_server()
        imds = self.imds_server()
        env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI":
               "http://127.0.0.1:%d/c" % cont.server_address[1],
               "AWS_EC2_METADATA_DISABLED": "false",
               "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:%d" % imds.server_address[1]}
        self.write(".aws/credentials", "[default]\naws_access_key_id=AKPROF\n"
                                       "aws_secret_access_key=sk\n")
        order = []
        r = self.probe(["--creds"], env_extra=dict(env, AWS_ACCESS_KEY_ID="AKENV",
                                                   AWS_SECRET_ACCESS_KEY="sk"), keys=False)
        order.append(r.lines[0]["creds"]["key"])
        r = self.probe(["--creds"], env_extra=env, keys=False)
        order.append(r.lines[0]["creds"]["key"])
        os.unlink(os.path.join(self.home, ".aws", "credentials"))
        r = self.probe(["--creds"], env_extra=env, keys=False)
        order.append(r.lines[0]["creds"]["key"])
        r = self.probe(["--creds"], env_extra={k: v for k, v in env.items()
                                               if not k.startswith("AWS_CONTAINER")}, keys=False)
        order.append(r.lines[0]["creds"]["key"])
        self.assertEqual(order, ["AKENV", "AKPROF", "AKCONT", "AKIMDS"])
        self.assertEqual(len(imds.hits), 3)  # asked only once everything above was absent

    def test_no_credentials_means_no_connection(self):
        # a listener standing in for the endpoint: the client must not even connect to it
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(8)
        lsock.settimeout(0.5)
        self.addCleanup(lsock.close)
        port = lsock.getsockname()[1]
        r = self.probe(["--stream", ARN, "--endpoint-url", "http://127.0.0.1:%d" % port],
                       keys=False)
        self.assertEqual(r.rc, 6, r)
        self.assertEqual(r.error()["cause"], "credentials")
        for source in ("environment", "profile default", "container", "IMDS"):
            self.assertIn(source, r.error()["message"])
        with self.assertRaises(socket.timeout):
            lsock.accept()
        # strace proves no socket reached anywhere else either (IMDS, container); setup.sh
        # installs it, and a missing one fails the test rather than skip the proof
        self.assertTrue(os.path.exists("/usr/bin/strace"), "strace (Debian package) is needed")
        env = sh.clean_env(self.home)
        # LeakSanitizer cannot run under ptrace; the other runs keep it
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        proc = subprocess.run(["/usr/bin/strace", "-f", "-e", "trace=connect", probe_path(),
                               "--stream", ARN, "--endpoint-url",
                               "http://127.0.0.1:%d" % port], env=env,
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 6, proc.stderr)  # strace ran the probe through
        inet = [l for l in proc.stderr.splitlines() if "AF_INET" in l]
        self.assertEqual(inet, [], proc.stderr)


if __name__ == "__main__":
    unittest.main()
