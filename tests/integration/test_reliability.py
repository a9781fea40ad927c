#!/usr/bin/env python3
"""Reliability and security of the live path, against the test
dispatcher and a few hostile hand-written servers on 127.0.0.1:

  * TLS: verification on by default (an untrusted certificate stops the run at
    once: fail-fast), --cacert trusts a generated CA, a certificate for another
    name fails, --insecure works and warns on every run;
  * the dispatcher cannot steer the tool: trickled responses are cut by
    --timeout, a server that never accepts is cut by --connect-timeout, huge or
    endless bodies are capped without using memory, redirects are not followed;
  * secrets: the token never appears in any output, a --token-file readable by
    others is warned about, a token with a newline is refused;
  * CR/LF inside tenant/taskId never reach a header unencoded;
  * a short fault soak (tests/integration/soak.py) with a SIGTERM mid-run.

The certificates are made at test time with the openssl command-line tool.
Run: A2A_RECOVER_BIN=build/cli/a2a-recover python3 tests/integration/test_reliability.py -v
"""

import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import soak  # noqa: E402
from harness import insert, malformed  # noqa: E402


# --------------------------------------------------------------------------
# Local helpers
# --------------------------------------------------------------------------

def openssl(*args, cwd):
    p = subprocess.run(["openssl"] + list(args), cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (" ".join(args),
                                                        p.stderr.decode(errors="replace")))


def make_pki(d):
    """A CA, a server certificate for 127.0.0.1/localhost signed by it, and one
    signed by it for another name only. Returns a dict of paths."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=a2a-recover test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    for name, san in (("server", "IP:127.0.0.1,DNS:localhost"),
                      ("other", "DNS:other.invalid")):
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
                    "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n" % san)
        openssl("req", *ec, "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=" + name, cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "2",
                "-extfile", name + ".ext", cwd=d)
    return {k: os.path.join(d, v) for k, v in (
        ("ca", "ca.pem"), ("cert", "server.pem"), ("key", "server.key"),
        ("other_cert", "other.pem"), ("other_key", "other.key"))}


@unittest.skipIf(shutil.which("openssl") is None,
                 "the openssl command is needed to make test certificates (apt install openssl)")
class PKICase(harness.IntegrationTestCase):
    """A test case with cls.pki: make_pki()'s files, made once for the class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki_dir = tempfile.mkdtemp(prefix="a2a-pki-")
        cls.pki = make_pki(cls.pki_dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.pki_dir, True)
        super().tearDownClass()


class TLSDispatcher(harness.Dispatcher):
    """The test dispatcher serving HTTPS (the harness checks health over HTTP)."""

    def __init__(self, workdir, cert, key, **kw):
        super().__init__(workdir, extra_args=["--tls-cert", cert, "--tls-key", key], **kw)

    @property
    def base_url(self):
        return "https://127.0.0.1:%d" % self.port

    def healthy(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False  # only a health probe: the certificate is what is tested
        ctx.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(self.base_url + "/_health", timeout=2, context=ctx) as r:
            return r.status == 200


def read_http_request(conn):
    """Read one HTTP/1.1 request (headers + Content-Length body); b"" on EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def never_accepting_port(test):
    """A loopback port whose accept queue is full: further SYNs are dropped, never
    answered, so a connect stalls until the client's own timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    test.addCleanup(listener.close)
    port = listener.getsockname()[1]
    for _ in range(4):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        test.addCleanup(c.close)
    time.sleep(0.2)
    return port


class RawServer:
    """A hostile HTTP server on 127.0.0.1: `respond(conn, stop_event)` writes
    whatever it likes after each request has been read. Counts requests."""

    def __init__(self, respond):
        self.respond = respond
        self.stop_event = threading.Event()
        self.requests = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d/internal/push/redispatch" % self.port
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stop_event.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        conn.settimeout(5)
        try:
            while not self.stop_event.is_set():
                req = read_http_request(conn)
                if not req:
                    return
                with self.lock:
                    self.requests.append(req)
                if self.respond(conn, self.stop_event) == "close":
                    return
        except OSError:
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def stop(self):
        self.stop_event.set()
        try:
            self.sock.close()
        except OSError:
            pass
        with self.lock:
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self.thread.join(2)


def run_measured(args, env=None, token=None, timeout=60):
    """Run the tool; returns (rc, stdout, stderr, max RSS in KiB, elapsed s)."""
    harness.require_bin()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen([harness.BIN] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                             stdout=out, stderr=err, env=harness.tool_env(env, token))
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                os.wait4(p.pid, 0)
                raise AssertionError("a2a-recover did not finish within %ss" % timeout)
            time.sleep(0.01)
        p.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        return p.returncode, out.read(), err.read(), usage.ru_maxrss, elapsed


# --------------------------------------------------------------------------
# TLS
# --------------------------------------------------------------------------

class TLSTest(PKICase):
    def start_tls(self, cert="cert", key="key"):
        d = TLSDispatcher(self.tmp, self.pki[cert], self.pki[key])
        self.addCleanup(d.stop)
        return d.start()

    def batch(self):
        return self.write_event([insert("101", "acme", "tls-1", event_sequence=1),
                                 insert("102", "acme", "tls-2", event_sequence=2)])

    def test_untrusted_certificate_fails_fast(self):
        d = self.start_tls()
        report = self.path("report.ndjson")
        r = self.run_tool(["-u", d.url, "--retries", "1", "-j", "1", "--report", report,
                           self.batch()])
        self.assertEqual(r.rc, 5, r)
        self.assertEqual(r.failures, ["101", "102"], r)
        self.assertRegex(r.stderr.lower(), r"certificate|ssl|tls", r)
        self.assertIn("--cacert FILE", r.stderr)
        lines = harness.read_jsonl(report)
        self.assertEqual([l["outcome"] for l in lines], ["rejected", "not_attempted"], lines)
        # Every call would fail alike: not retried.
        self.assertEqual(lines[0]["attempts"], 1, lines)
        self.assertEqual(d.requests(), [], "a request got through an unverified handshake")

    def test_cacert_trusts_the_generated_ca(self):
        d = self.start_tls()
        r = self.run_tool(["-u", d.url, "--cacert", self.pki["ca"], self.batch()])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.failures, [], r)
        self.assertEqual(sorted(harness.seq_of_request(q) for q in d.requests()), [1, 2])
        self.assertNotRegex(r.stderr.lower(), r"insecure|not verified", r)

    def test_cacert_with_localhost_name(self):
        d = self.start_tls()
        url = d.url.replace("127.0.0.1", "localhost")
        r = self.run_tool(["-u", url, "--cacert", self.pki["ca"], "--retries", "0",
                           self.batch()])
        self.assertEqual(r.rc, 0, r)

    def test_certificate_for_another_name_fails_even_with_cacert(self):
        d = self.start_tls(cert="other_cert", key="other_key")
        r = self.run_tool(["-u", d.url, "--cacert", self.pki["ca"], "--retries", "0",
                           self.batch()])
        self.assertEqual(r.rc, 5, r)  # fail-fast: every call would fail alike
        self.assertEqual(r.failures, ["101", "102"], r)
        self.assertRegex(r.stderr.lower(), r"certificate|ssl|tls|name", r)
        self.assertEqual(d.requests(), [])

    def test_insecure_works_and_warns_on_every_run(self):
        d = self.start_tls(cert="other_cert", key="other_key")
        for run in range(2):
            for fmt in ("text", "json"):
                r = self.run_tool(["-u", d.url, "--insecure", "--log-format", fmt,
                                   self.batch()])
                self.assertEqual(r.rc, 0, r)
                warn = [l for l in r.stderr.splitlines() if "insecure" in l.lower()]
                self.assertTrue(warn, "run %d (%s): no --insecure warning: %r"
                                % (run, fmt, r.stderr))
                if fmt == "json":
                    self.assertEqual(json.loads(warn[0])["level"], "WARN", warn)
                else:
                    self.assertIn("warning", warn[0].lower())

    def test_plain_http_client_to_tls_port_is_transient(self):
        d = self.start_tls()
        r = self.run_tool(["-u", d.url.replace("https://", "http://"), "--retries", "0",
                           "--timeout", "3", self.batch()])
        self.assertEqual(r.rc, 5, r)  # transient each, but no call answered
        self.assertEqual(r.failures, ["101", "102"], r)


# --------------------------------------------------------------------------
# The dispatcher cannot steer the tool
# --------------------------------------------------------------------------

def trickle_body(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 1000000\r\n\r\n")
    while not stop.wait(0.2):
        conn.sendall(b" ")
    return "close"


def trickle_headers(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while not stop.wait(0.2):
        conn.sendall(b"a")
    return "close"


def huge_body(status, size):
    def respond(conn, stop):
        conn.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % (status, size))
        block = b'{"outcome":"taskDeleted","pad":"' + b"x" * 65000 + b'"}\n'
        sent = 0
        while sent < size and not stop.is_set():
            n = min(len(block), size - sent)
            conn.sendall(block[:n])
            sent += n
        return "close"
    return respond


def endless_chunked(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (65536, b"y" * 65536)
    deadline = time.monotonic() + 30
    while not stop.is_set() and time.monotonic() < deadline:
        conn.sendall(chunk)
    return "close"


def endless_headers(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    line = b"X-Junk: " + b"z" * 1000 + b"\r\n"
    deadline = time.monotonic() + 30
    while not stop.is_set() and time.monotonic() < deadline:
        conn.sendall(line * 64)
    return "close"


def redirect_to(location, status):
    def respond(conn, stop):
        conn.sendall(b"HTTP/1.1 %d Redirect\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n"
                     % (status, location.encode()))
        return None
    return respond


def answer_200(content_type, body, status=b"200 OK"):
    def respond(conn, stop):
        head = b"HTTP/1.1 %s\r\n" % status
        if not status.startswith(b"204"):
            head += b"Content-Length: %d\r\n" % len(body)
        if content_type is not None:
            head += b"Content-Type: %s\r\n" % content_type.encode()
        conn.sendall(head + b"\r\n" + body)
        return None
    return respond


class SteeringTest(harness.IntegrationTestCase):

    def raw_server(self, respond):
        s = RawServer(respond)
        self.addCleanup(s.stop)
        return s

    def one_record(self):
        return self.write_event([insert("201", "acme", "steer-1", event_sequence=7)])

    def test_trickled_body_is_cut_by_timeout(self):
        s = self.raw_server(trickle_body)
        r = self.run_tool(["-u", s.url, "--timeout", "1", "--retries", "0",
                           self.one_record()], timeout=30)
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.failures, ["201"], r)
        self.assertLess(r.elapsed, 4.0, r)
        self.assertEqual(len(s.requests), 1)

    def test_trickled_headers_are_cut_by_timeout_on_every_attempt(self):
        s = self.raw_server(trickle_headers)
        report = self.path("report.ndjson")
        r = self.run_tool(["-u", s.url, "--timeout", "1", "--retries", "2", "--report", report,
                           self.one_record()], timeout=30)
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.failures, ["201"], r)
        # 3 attempts of 1 s plus backoff (at most 0.2 + 0.4 s).
        self.assertLess(r.elapsed, 7.0, r)
        self.assertEqual(len(s.requests), 3)
        (line,) = harness.read_jsonl(report)
        self.assertEqual((line["outcome"], line["attempts"]), ("transient", 3), line)

    def test_server_that_never_accepts_is_cut_by_connect_timeout(self):
        port = never_accepting_port(self)
        probe = socket.socket()
        probe.settimeout(1.0)
        try:
            probe.connect(("127.0.0.1", port))
        except socket.timeout:
            pass
        else:
            self.skipTest("this kernel completes connections to a full accept queue "
                          "(tcp_abort_on_overflow / syncookies); cannot build the hang")
        finally:
            probe.close()
        url = "http://127.0.0.1:%d/internal/push/redispatch" % port
        report = self.path("report.ndjson")
        r = self.run_tool(["-u", url, "--connect-timeout", "1", "--timeout", "60",
                           "--retries", "1", "--report", report, self.one_record()],
                          timeout=30)
        self.assertEqual(r.rc, 5, r)  # no call answered
        self.assertEqual(r.failures, ["201"], r)
        self.assertLess(r.elapsed, 5.0, r)  # 2 x 1 s + backoff, not 60 s
        (line,) = harness.read_jsonl(report)
        self.assertEqual((line["outcome"], line["attempts"]), ("transient", 2), line)
        self.assertRegex(line["reason"].lower(), r"timeout|timed out|connect", line)

    def test_stalled_tls_handshake_is_cut_by_connect_timeout(self):
        # Accepts the TCP connection, then never answers the ClientHello.
        s = self.raw_server(lambda conn, stop: "close")
        url = s.url.replace("http://", "https://")
        r = self.run_tool(["-u", url, "--connect-timeout", "1", "--timeout", "60",
                           "--retries", "0", self.one_record()], timeout=30)
        self.assertEqual(r.rc, 5, r)  # no call answered
        self.assertEqual(r.failures, ["201"], r)
        self.assertLess(r.elapsed, 4.0, r)

    def _baseline_rss(self):
        d = self.start_dispatcher()
        rc, out, err, rss, _ = run_measured(["-u", d.url, "--retries", "0",
                                             self.one_record()])
        self.assertEqual(rc, 0, err)
        return rss

    def test_huge_2xx_body_is_capped(self):
        base = self._baseline_rss()
        size = 20 << 20
        s = self.raw_server(huge_body(200, size))
        report = self.path("report.ndjson")
        rc, out, err, rss, elapsed = run_measured(
            ["-u", s.url, "--timeout", "20", "--retries", "0", "-v", "--report", report,
             self.one_record()])
        # The status decides; the body is only ever logged, and capped.
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out), {"batchItemFailures": []})
        self.assertLess(rss - base, 8 << 10, "max RSS %d KiB vs %d KiB without the body"
                        % (rss, base))
        self.assertLess(elapsed, 10)
        self.assertLess(len(err), 16 << 10, err[:500])
        (line,) = harness.read_jsonl(report)
        self.assertLess(len(json.dumps(line)), 4096)
        self.assertEqual(len(s.requests), 1)

    def test_huge_error_body_is_capped_and_retried(self):
        base = self._baseline_rss()
        s = self.raw_server(huge_body(503, 20 << 20))
        report = self.path("report.ndjson")
        rc, out, err, rss, elapsed = run_measured(
            ["-u", s.url, "--timeout", "20", "--retries", "1", "-v", "--log-format", "json",
             "--report", report, self.one_record()])
        self.assertEqual(rc, 1, err)
        self.assertEqual(json.loads(out), {"batchItemFailures": [{"itemIdentifier": "201"}]})
        self.assertLess(rss - base, 8 << 10, "max RSS %d KiB vs %d KiB" % (rss, base))
        self.assertLess(len(err), 16 << 10, err[:500])
        (line,) = harness.read_jsonl(report)
        self.assertEqual((line["outcome"], line["attempts"], line["httpStatus"]),
                         ("transient", 2, 503), line)
        self.assertLess(len(line["reason"]), 1024, line)
        self.assertEqual(len(s.requests), 2)

    def test_record_too_large_to_send_is_rejected_before_any_call(self):
        # 200,000 x U+00E9 in tenant: 1.2 MB of Idempotency-Key once percent-encoded. libcurl
        # fails such a request as "Out of memory" on every replay: it is rejected up front,
        # named, in a dry run too, and the record after it goes on.
        d = self.start_dispatcher()
        ev = self.write_event([insert("301", "\u00e9" * 200000, "t-1"),
                               insert("302", "acme", "t-2")])
        for args in (["-n"], ["-u", d.url]):
            report = self.path("report.ndjson")
            r = self.run_tool(args + ["--retries", "0", "--report", report, ev])
            self.assertEqual(r.rc, 1, r.stderr)
            self.assertEqual(r.failures, ["301"])
            line = harness.read_jsonl(report)[0]
            self.assertEqual((line["outcome"], line["attempts"]), ("rejected", 0), line)
            self.assertIn("the record cannot be sent: its Idempotency-Key header would be "
                          "1200023 bytes", r.stderr)
            self.assertNotIn("dispatcher rejected", r.stderr)
        self.assertEqual([q["body_json"]["taskId"] for q in d.requests()], ["t-2"])

    def test_endless_chunked_body_never_acknowledges(self):
        # A 2xx counts once its body came whole: one that never ends is read (and dropped
        # past 64 KiB) until --timeout, then transient; memory stays flat.
        base = self._baseline_rss()
        s = self.raw_server(endless_chunked)
        rc, out, err, rss, elapsed = run_measured(
            ["-u", s.url, "--timeout", "3", "--retries", "0", self.one_record()])
        self.assertEqual(rc, 1, err)
        self.assertEqual(json.loads(out), {"batchItemFailures": [{"itemIdentifier": "201"}]})
        self.assertLess(elapsed, 10)
        self.assertLess(rss - base, 8 << 10, "max RSS %d KiB vs %d KiB" % (rss, base))

    def test_2xx_cut_short_is_transient_at_any_length_and_any_content_length(self):
        # Each answer is a 200 that is not whole: a long body cut past our 64 KiB log cap, a
        # Content-Length past 2^63 - 1 (libcurl 7.88 reads such a body to the close), one
        # of "1 0" (libcurl reads 1), two that differ. Each was acknowledged before.
        def answer(head, body, cut_after=None):
            def respond(conn, stop):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + head
                             + b"\r\n" + body[:cut_after])
                return "close"
            return respond
        cases = [
            ("long body cut", b"Content-Length: 1000000\r\n", b"x" * 70000, None),
            ("Content-Length 2^63", b"Content-Length: 9223372036854775808\r\n", b"{}", None),
            ("Content-Length of 23 digits", b"Content-Length: 99999999999999999999999\r\n",
             b"", None),
            ("Content-Length 1 0", b"Content-Length: 1 0\r\n", b"{", None),
            ("two Content-Lengths", b"Content-Length: 2\r\nContent-Length: 3\r\n", b"{}", None),
            ("a list of two", b"Content-Length: 2, 3\r\n", b"{}", None),
            ("an empty element", b"Content-Length: 2,\r\n", b"{}", None),
        ]
        for name, head, body, cut in cases:
            s = self.raw_server(answer(head, body, cut))
            report = self.path("report.ndjson")
            rc, out, err, _, elapsed = run_measured(
                ["-u", s.url, "--timeout", "5", "--retries", "0", "--report", report,
                 self.one_record()])
            self.assertEqual(rc, 1, "%s: %s" % (name, err))
            (line,) = harness.read_jsonl(report)
            self.assertEqual((line["outcome"], line["httpStatus"]), ("transient", 200),
                             (name, line))
        # The same shapes whole are answers: a long body, and a Content-Length with spaces
        # around it, or given twice alike.
        for head, body in ((b"Content-Length: 70000\r\n", b"x" * 70000),
                           (b"Content-Length:  2 \r\n", b"{}"),
                           (b"Content-Length: 2\r\nContent-Length: 2\r\n", b"{}"),
                           (b"Content-Length: 2, 2\r\n", b"{}")):
            s = self.raw_server(answer(head, body))
            rc, out, err, _, _ = run_measured(["-u", s.url, "--retries", "0", self.one_record()])
            self.assertEqual(rc, 0, (head, err))

    def test_endless_headers_fail_the_call(self):
        base = self._baseline_rss()
        s = self.raw_server(endless_headers)
        rc, out, err, rss, elapsed = run_measured(
            ["-u", s.url, "--timeout", "30", "--retries", "0", self.one_record()])
        self.assertEqual(rc, 1, err)
        self.assertEqual(json.loads(out), {"batchItemFailures": [{"itemIdentifier": "201"}]})
        self.assertLess(elapsed, 10)
        self.assertLess(rss - base, 8 << 10, "max RSS %d KiB vs %d KiB" % (rss, base))

    def test_redirects_are_not_followed(self):
        # Each redirect stops the run (exit 5; review 61), its call rejected, never followed
        # to /elsewhere and never retried.
        statuses = [301, 302, 303, 307, 308]
        faults = {"acme:redir-%d" % st: {"always": st} for st in statuses}
        d = self.start_dispatcher(seed={"tasks": [], "faults": faults})
        report = self.path("report.ndjson")
        for i, st in enumerate(statuses):
            ev = self.write_event([insert(str(300 + i), "acme", "redir-%d" % st,
                                          event_sequence=1)])
            r = self.run_tool(["-u", d.url, "--report", report, ev])
            self.assertEqual(r.rc, 5, r)
            self.assertEqual(r.failures, [str(300 + i)], r)
            self.assertIn("HTTP %d, a redirect to " % st, r.stderr)
            lines = harness.read_jsonl(report)
            self.assertEqual([(l["outcome"], l["httpStatus"], l["attempts"]) for l in lines],
                             [("rejected", st, 1)], lines)
        reqs = d.requests()
        self.assertEqual(len(reqs), len(statuses), [q["path"] for q in reqs])
        self.assertEqual({q["path"] for q in reqs}, {"/internal/push/redispatch"})

    def test_a_page_at_a_wrong_url_acknowledges_nothing(self):
        # Review 65: a catch-all answering 200 with an HTML page counted as the dispatcher's
        # acknowledgement; every record was "acknowledged" and a redrive acked its messages.
        s = self.raw_server(answer_200("text/html", b"<html>Welcome to nginx!</html>"))
        ev = self.write_event([insert(str(400 + i), "acme", "page-%d" % i) for i in range(6)])
        r = self.run_tool(["-u", s.url, "-j", "2", ev])
        self.assertEqual(r.rc, 5, r)
        self.assertEqual(r.failures, [str(400 + i) for i in range(6)], r)
        self.assertIn("the dispatcher URL answered HTTP 200 with Content-Type text/html, not "
                      "JSON", r.stderr)
        self.assertIn("<html>Welcome to nginx!</html>; check -u, its path too", r.stderr)
        self.assertRegex(r.stderr, r" 0 acknowledged ")
        self.assertLessEqual(len(s.requests), 2)  # the run stopped at the first answers
        # Review 66: a type that is not JSON says so with no body (a catch-all's `return
        # 200;`), and a body with no type is not the endpoint's answer either.
        for ct, body, said in (("application/octet-stream", b"", "with Content-Type "
                                "application/octet-stream, not JSON"),
                               (None, b"<html>Welcome to nginx!</html>",
                                "with a body and no Content-Type")):
            t = self.raw_server(answer_200(ct, body))
            r = self.run_tool(["-u", t.url, ev])
            self.assertEqual((r.rc, r.failures), (5, [str(400 + i) for i in range(6)]), r)
            self.assertIn("the dispatcher URL answered HTTP 200 " + said, r.stderr)
        # JSON, or neither a body nor a Content-Type, is the endpoint's answer; so is a 204
        # whatever its type (review 67: Django's and Flask's text/html), and a body with no
        # type that names an outcome
        for ct, body, status in (("application/json; charset=utf-8",
                                  b'{"outcome":"dispatched"}', b"200 OK"),
                                 (None, b"", b"200 OK"),
                                 ("text/html; charset=utf-8", b"", b"204 No Content"),
                                 (None, b'{"outcome":"dispatched"}', b"200 OK")):
            t = self.raw_server(answer_200(ct, body, status))
            r = self.run_tool(["-u", t.url, ev])
            self.assertEqual((r.rc, r.failures), (0, []), r)

    def test_a_2xx_naming_no_known_outcome_is_acknowledged_and_said(self):
        # Review 66: {"outcome":"error"} under a 200 was acknowledged with no word. A 2xx
        # consumes the marker (the contract), so it still is; but each such answer is a
        # warning that quotes it, and -v shows the same reason.
        ev = self.write_event([insert(str(500 + i), "acme", "odd-%d" % i) for i in range(3)])
        for body in (b'{"outcome":"error","error":"db down"}', b'not json at all',
                     b'{"outcome":"dispatched"} x'):  # review 67: a value, then more
            s = self.raw_server(answer_200("application/json", body))
            r = self.run_tool(["-u", s.url, ev])
            self.assertEqual((r.rc, r.failures), (0, []), r)
            self.assertIn(" 3 acknowledged ", r.stderr)
            self.assertEqual(r.stderr.count("warning: acknowledged, as any 2xx is, but: HTTP 200 "
                                            "whose body names no outcome the endpoint contract "
                                            "knows (dispatched, taskDeleted): " + body.decode()),
                             3, r.stderr)
        # the endpoint's own answers say nothing more
        for body in (b'{"outcome":"dispatched"}', b'{"webhooks":2,"outcome":"dispatched"}',
                     b'{"outcome":"taskDeleted"}', b''):
            s = self.raw_server(answer_200("application/json" if body else None, body))
            r = self.run_tool(["-u", s.url, ev])
            self.assertEqual((r.rc, r.failures), (0, []), r)
            self.assertNotIn("warning", r.stderr)

    def test_redirect_to_another_dispatcher_is_not_followed(self):
        target = self.start_dispatcher()  # would acknowledge everything
        for status in (307, 308):
            s = self.raw_server(redirect_to(target.url, status))
            r = self.run_tool(["-u", s.url, "--retries", "2", self.one_record()])
            self.assertEqual(r.rc, 5, r)  # a redirect stops the run, not followed
            self.assertIn("a redirect to %s, not followed" % target.url, r.stderr)
            self.assertEqual(r.failures, ["201"], r)
            self.assertEqual(len(s.requests), 1, "a redirect was retried")
        self.assertEqual(target.requests(), [], "the tool followed a redirect")


class PromptStopTest(harness.IntegrationTestCase):
    """SIGTERM/SIGINT stop the run within a second whatever the timeouts."""

    def interrupt(self, url, sig, extra=(), started=None):
        records = [insert("901", "acme", "stop-1", event_sequence=1),
                   insert("902", "acme", "stop-2", event_sequence=2)]
        p = harness.start_tool(["-u", url, "--timeout", "60", "--connect-timeout", "60",
                                "-j", "1"] + list(extra) + [self.write_event(records)])
        try:
            deadline = time.monotonic() + 10
            while not started() and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertTrue(started(), "the call did not start")
            time.sleep(0.3)
            self.assertIsNone(p.poll(), "the tool ended before the signal")
        finally:
            out, err, elapsed = harness.signal_and_wait(p, sig, timeout=20)
        self.assertEqual(p.returncode, 128 + sig, err)
        self.assertLess(elapsed, 1.5, "stopped %.2f s after the signal" % elapsed)
        self.assertEqual(json.loads(out), {"batchItemFailures": [
            {"itemIdentifier": "901"}, {"itemIdentifier": "902"}]})
        self.assertEqual(out.count(b"\n"), 1)

    def test_sigterm_during_trickled_response(self):
        s = RawServer(trickle_headers)
        self.addCleanup(s.stop)
        self.interrupt(s.url, signal.SIGTERM, started=lambda: bool(s.requests))

    def test_sigint_during_stalled_connect(self):
        port = never_accepting_port(self)
        url = "http://127.0.0.1:%d/internal/push/redispatch" % port
        t0 = time.monotonic()
        self.interrupt(url, signal.SIGINT, started=lambda: time.monotonic() - t0 > 0.2)

    def test_sigterm_during_retry_after_wait(self):
        d = self.start_dispatcher(seed={"tasks": [], "faults": {
            "acme:stop-1": {"statuses": [429], "retryAfter": "60"},
            "acme:stop-2": {"statuses": [503], "retryAfter": "60"}}})
        self.interrupt(d.url, signal.SIGTERM, extra=["--retries", "3"],
                       started=lambda: len(d.requests()) >= 2)


# --------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------

class SecretsTest(harness.IntegrationTestCase):
    def setUp(self):
        super().setUp()
        self.token = "tok-" + secrets.token_hex(16)

    def assert_no_token(self, blob, where):
        if isinstance(blob, str):
            blob = blob.encode("utf-8", "replace")
        # Any 10-byte piece of the token counts: a truncated token leaks too.
        tok = self.token.encode()
        for i in range(len(tok) - 9):
            self.assertNotIn(tok[i:i + 10], blob, "token piece %r found in %s"
                             % (tok[i:i + 10], where))

    def token_file(self, mode=0o600, content=None):
        path = self.path("token")
        with open(path, "w") as f:
            f.write(self.token + "\n" if content is None else content)
        os.chmod(path, mode)
        return path

    def mixed_batch(self):
        return self.write_event([
            insert("401", "acme", "sec-ok", event_sequence=1),
            insert("402", "acme", "sec-503", event_sequence=2),
            malformed("403"),
            insert("404", "acme", "sec-deleted", event_sequence=4),
        ])

    def seed(self):
        return {"tasks": [{"tenant": "acme", "taskId": "sec-ok", "owner": "alice",
                           "pushConfigs": [{"id": "c1", "url": "http://127.0.0.1:9/x"}]}],
                "faults": {"acme:sec-503": {"always": 503}}}

    def check_run(self, r, files, d):
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.failures, ["402", "403"], r)
        auth = {q["headers"].get("authorization") for q in d.requests()}
        self.assertEqual(auth, {"Bearer " + self.token}, "the token was not sent")
        self.assert_no_token(r.stdout_bytes, "stdout")
        self.assert_no_token(r.stderr_bytes, "stderr")
        for f in files:
            with open(f, "rb") as fh:
                data = fh.read()
            self.assertTrue(data, f)
            self.assert_no_token(data, f)

    def test_token_absent_from_all_output(self):
        d = self.start_dispatcher(seed=self.seed(), token=self.token)
        tf = self.token_file()
        batch = self.mixed_batch()
        variants = [
            ("env", ["-v"]), ("env", ["-v", "-v", "--log-format", "json"]),
            ("file", ["-v"]), ("file", ["-v", "-v", "--log-format", "json"]),
            ("env", ["-q"]),
        ]
        for i, (source, extra) in enumerate(variants):
            with self.subTest(source=source, extra=extra):
                report, failed = self.path("report%d" % i), self.path("failed%d" % i)
                args = ["-u", d.url, "--retries", "1", "--report", report,
                        "--failed-out", failed] + extra + [batch]
                if source == "env":
                    r = self.run_tool(args, token=self.token)
                else:
                    r = self.run_tool(["--token-file", tf] + args)
                self.check_run(r, [report, failed], d)

    def test_token_absent_from_error_messages(self):
        d = self.start_dispatcher(token="the-dispatcher-wants-another-token")
        batch = self.mixed_batch()
        r = self.run_tool(["-u", d.url, "-v", batch], token=self.token)
        self.assertEqual(r.rc, 5, r)  # 401: fail fast
        self.assert_no_token(r.stdout_bytes, "stdout")
        self.assert_no_token(r.stderr_bytes, "stderr")
        # Connection refused / unreachable: the error text names the URL, not the token.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = "http://127.0.0.1:%d/internal/push/redispatch" % s.getsockname()[1]
        for fmt in ("text", "json"):
            r = self.run_tool(["-u", dead, "--retries", "0", "-v", "-v", "--log-format", fmt,
                               batch], token=self.token)
            self.assertEqual(r.rc, 5, r)  # no call answered
            self.assert_no_token(r.stdout_bytes + r.stderr_bytes, "output (%s)" % fmt)

    def test_token_not_in_argv_and_no_argv_option(self):
        s = RawServer(trickle_headers)  # holds the call open until --timeout
        self.addCleanup(s.stop)
        tf = self.token_file()
        p = harness.start_tool(["--token-file", tf, "-u", s.url, "--timeout", "2",
                                "--retries", "0",
                                self.write_event([insert("501", "acme", "slow")])])
        try:
            deadline = time.monotonic() + 10
            while not s.requests and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertEqual(len(s.requests), 1, "no call arrived")
            self.assertIn(b"Bearer " + self.token.encode(), s.requests[0])
            self.assertIsNone(p.poll(), "the tool is not running any more")
            with open("/proc/%d/cmdline" % p.pid, "rb") as f:
                self.assert_no_token(f.read(), "/proc/pid/cmdline")
            with open("/proc/%d/environ" % p.pid, "rb") as f:
                self.assert_no_token(f.read(), "/proc/pid/environ")
        finally:
            out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 1, err)
        self.assert_no_token(out + err, "output")

    def test_argv_token_option_is_refused_without_echo(self):
        # There is no option that takes the token itself; an operator who tries
        # one gets a usage error that does not copy the secret into the logs.
        for opt in (["--token", self.token], ["--token=" + self.token],
                    ["--bearer", self.token], ["--auth=" + self.token]):
            with self.subTest(opt=opt[0][:8]):
                r = self.run_tool(opt + ["-u", "http://127.0.0.1:9/x/redispatch",
                                         self.write_event([insert("1", "a", "b")])])
                self.assertEqual(r.rc, 2, r)
                self.assertEqual(r.stdout, "", r)
                self.assert_no_token(r.stderr_bytes, "the usage error")

    def test_header_file_secret_not_echoed(self):
        d = self.start_dispatcher()
        batch = self.write_event([insert("551", "acme", "hdr-1")])
        good = self.path("headers-ok")
        harness.write_text(good, "# api key\nX-Api-Key: %s\n" % self.token)
        r = self.run_tool(["-H", "@" + good, "-u", d.url, "-v", "-v", batch])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(d.requests()[-1]["headers"].get("x-api-key"), self.token)
        self.assert_no_token(r.stdout_bytes + r.stderr_bytes, "output")
        bad = self.path("headers-bad")
        harness.write_text(bad, "X-Api-Key %s\n" % self.token)  # no colon: invalid
        r = self.run_tool(["-H", "@" + bad, "-u", d.url, batch])
        self.assertEqual(r.rc, 2, r)
        self.assert_no_token(r.stdout_bytes + r.stderr_bytes, "usage error")

    def test_header_file_credential_over_plain_http_warns(self):
        # A credential header from -H @FILE goes over the wire like a token: plain http:// to
        # a host that is not loopback draws the warning too. Nothing is sent: --report names a
        # directory that does not exist, refused before any call, and http_proxy points at a
        # closed loopback port should that ever change.
        batch = self.write_event([insert("561", "acme", "hdr-2")])
        hdr = self.path("headers-auth")
        harness.write_text(hdr, "Authorization: Basic %s\n" % self.token)
        os.chmod(hdr, 0o600)
        env = {"http_proxy": "http://127.0.0.1:1", "no_proxy": ""}
        for url_args, named in ((["-u", "http://192.0.2.1/r"], "-u"), ([], "A2A_RECOVER_URL")):
            with self.subTest(url_from=named):
                if not url_args:
                    env["A2A_RECOVER_URL"] = "http://192.0.2.1/r"
                r = self.run_tool(["-H", "@" + hdr] + url_args +
                                  ["--report", self.path("no-dir/r.ndjson"), batch], env=env)
                self.assertEqual(r.rc, 2, r)
                self.assertIn("a2a-recover: warning: %s: the credentials go over plain http:// "
                              "to a host that is not loopback" % named, r.stderr)
                self.assert_no_token(r.stdout_bytes + r.stderr_bytes, "output")

    def test_token_file_mode_warning(self):
        d = self.start_dispatcher()
        batch = self.write_event([insert("601", "acme", "mode-1")])
        for mode, warns in ((0o644, True), (0o640, True), (0o604, True),
                            (0o600, False), (0o400, False)):
            with self.subTest(mode=oct(mode)):
                tf = self.token_file(mode)
                r = self.run_tool(["--token-file", tf, "-u", d.url, batch])
                self.assertEqual(r.rc, 0, r)
                lines = [l for l in r.stderr.splitlines() if tf in l]
                if warns:
                    self.assertEqual(len(lines), 1, r.stderr)
                    self.assertIn("warning", lines[0].lower())
                else:
                    self.assertEqual(lines, [], r.stderr)
                    self.assertNotIn("warning", r.stderr.lower())
                self.assert_no_token(r.stderr_bytes, "stderr")

    def test_token_with_newline_is_refused(self):
        d = self.start_dispatcher()
        batch = self.write_event([insert("701", "acme", "nl-1")])
        first, second = "first-" + secrets.token_hex(6), "second-" + secrets.token_hex(6)
        cases = [
            ("env LF", {"token": first + "\n" + second}, []),
            ("env CRLF", {"token": first + "\r\n" + second}, []),
            ("file LF", {}, ["--token-file", self.token_file(0o600, first + "\n" + second + "\n")]),
        ]
        for name, kw, extra in cases:
            with self.subTest(case=name):
                r = self.run_tool(extra + ["-u", d.url, batch], **kw)
                self.assertEqual(r.rc, 2, r)
                self.assertEqual(r.stdout, "", r)
                self.assertNotIn(first, r.stderr)
                self.assertNotIn(second, r.stderr)
        self.assertEqual(d.requests(), [])
        # A trailing newline in a token file is not part of the token.
        self.token = first
        r = self.run_tool(["--token-file", self.token_file(0o600, first + "\n"), "-u", d.url,
                           batch])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(d.requests()[-1]["headers"].get("authorization"), "Bearer " + first)


# --------------------------------------------------------------------------
# CR/LF in values that become header parts
# --------------------------------------------------------------------------

class HeaderInjectionTest(harness.IntegrationTestCase):
    def test_crlf_in_tenant_and_task_id_is_percent_encoded(self):
        d = self.start_dispatcher()
        tenant = "acme\r\nX-Injected: tenant"
        task_id = "task\r\n\r\nX-Injected-2: body"
        owner = "own\r\ner"
        path = self.write_event([insert("801", tenant, task_id, owner=owner,
                                        event_sequence=42)])
        with open(path, "rb") as f:
            self.assertIn(b"acme\\r\\nX-Injected", f.read())  # JSON escapes in the S value
        r = self.run_tool(["-u", d.url, "-v", path])
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.failures, [], r)
        (req,) = d.requests()
        headers = req["headers"]
        self.assertNotIn("x-injected", headers)
        self.assertNotIn("x-injected-2", headers)
        key = headers["idempotency-key"]
        self.assertEqual(key, harness.idempotency_key(tenant, task_id, 42))
        self.assertEqual(key, "acme%0D%0AX-Injected%3A%20tenant:"
                              "task%0D%0A%0D%0AX-Injected-2%3A%20body:42")
        self.assertNotIn("\r", key)
        self.assertNotIn("\n", key)
        self.assertEqual(req["body_json"]["tenant"], tenant)
        self.assertEqual(req["body_json"]["taskId"], task_id)
        self.assertEqual(req["body_json"]["owner"], owner)
        self.assertIn("\\r\\n", req["body"])
        # The tool's own stderr lines stay one line per message.
        for line in r.stderr.splitlines():
            self.assertFalse(line.startswith("X-Injected"), r.stderr)


# --------------------------------------------------------------------------
# Short fault soak (scripts/soak.sh runs the long one)
# --------------------------------------------------------------------------

class ShortSoakTest(unittest.TestCase):
    def test_short_soak_with_sigterm(self):
        harness.require_bin()
        opts = soak.Options()
        opts.signals = (signal.SIGTERM,)
        opts.allow_late = False
        lines = []
        totals = soak.run_soak(records=int(os.environ.get("A2A_SOAK_RECORDS", "2500")),
                               runs=3, seed=int(os.environ.get("A2A_SOAK_SEED", "7")),
                               signal_runs=1, log=lines.append, opts=opts)
        summary = soak.format_summary(totals)
        sys.stderr.write("\n".join(lines) + "\n" + summary + "\n")
        self.assertEqual(totals["violations"], [], summary)
        self.assertEqual(totals["runs"], 3)
        self.assertGreater(sum(totals["faults"].values()), 0, summary)
        self.assertEqual(set(totals["faults"]), {"503", "429", "reset", "delay"}, summary)
        self.assertEqual(totals["signals"], {"SIGTERM": 1}, summary)
        self.assertEqual(totals["exits"], {1: 2, 143: 1}, summary)


if __name__ == "__main__":
    unittest.main()
