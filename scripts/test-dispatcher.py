#!/usr/bin/env python3
"""A stand-in for the dispatcher's "redispatch" endpoint, for a2a-recover.

Use it for tests, for the README demo and for operators who want to see what
a2a-recover would send. It does not need the network and uses only the Python
standard library (3.11+, e.g. Debian 12's python3).

Endpoint contract (what a2a-recover sends):

    POST /internal/push/redispatch      (any path ending in /redispatch)
    Content-Type: application/json
    Authorization: Bearer <token>       (only when the client has a token)
    Idempotency-Key: <tenant>:<taskId>:<eventSequence>   (parts percent-encoded)

    {"tenant": "...", "taskId": "...", "owner": "...",
     "eventSequence": <u64>, "recordedAtMicros": <i64>}

Answers:

    200 {"outcome":"dispatched","webhooks":N}   task is in the seed file
    200 {"outcome":"taskDeleted"}               task is not in the seed file
    400 {"error":"..."}                         malformed body
    401 {"error":"unauthorized"}                --token-file given, bad/no token
    404 / 405 / 411 / 413                       wrong path / method / framing / size

"Dispatching" never makes a network call. Each push config of the task is
written to the --record log as a "webhook" line instead. Claim fencing works
like the real dispatcher's: a (tenant, taskId, eventSequence, configId) fires
at most once, even under concurrent duplicates. A repeat answers
{"outcome":"dispatched","webhooks":0}.

Faults can be injected at random (--fail-rate / --fault-mix) or per task from
the seed file ("faults"; see load_seed()).

Introspection endpoints (not authenticated, not recorded, not counted):
    GET /_health -> 200 "ok"
    GET /_stats  -> 200 {"requests":N,"by_status":{"200":n,...},"webhooks":N}

Example:
    scripts/test-dispatcher.py --seed testdata/dispatcher/demo-seed.json \\
        --record /tmp/dispatcher.jsonl --port 8099
"""

import argparse
import collections
import hmac
import http.server
import json
import os
import random
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import traceback

REDISPATCH_SUFFIX = "/redispatch"
PUBLIC_PATH = "/internal/push/redispatch"  # only used in the startup line
MAX_BODY = 1 << 20  # 1 MiB; larger bodies get 413
U64_MAX = (1 << 64) - 1
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1
FAULT_KINDS = ("503", "500", "429", "reset", "delay")
DEFAULT_FAULT_MIX = "503,reset,delay,429"


class SeedError(Exception):
    """The seed file (or another input file) is unusable."""


# --------------------------------------------------------------------------
# Seed file
# --------------------------------------------------------------------------

class SeededFault:
    """Per-task fault script from the seed file's "faults" section.

    statuses    list consumed one entry per attempt. 0 = reset the connection,
                200 = process normally, anything else = answer that status
                with {"error":"injected"}.
    always      status used for every attempt once `statuses` is exhausted
                (0 = reset). If absent, attempts are processed normally.
    reset       true is shorthand for "always": 0 (unless "always" is given).
    delayMs     sleep this long before answering *every* attempt for the task.
    retryAfter  string sent verbatim as Retry-After on injected non-2xx answers.
    """

    __slots__ = ("statuses", "always", "delay_ms", "retry_after")

    def __init__(self, statuses, always, delay_ms, retry_after):
        self.statuses = collections.deque(statuses)
        self.always = always
        self.delay_ms = delay_ms
        self.retry_after = retry_after

    def next_status(self):
        """The scripted status for this attempt, or None for "normal".

        The caller must hold the dispatcher's state lock.
        """
        if self.statuses:
            return self.statuses.popleft()
        return self.always


def _is_int(value):
    # bool is a subclass of int in Python; JSON true/false are not numbers.
    return isinstance(value, int) and not isinstance(value, bool)


def _valid_status(value):
    return _is_int(value) and (value == 0 or 200 <= value <= 599)


def load_seed(path):
    """Parse a seed file and return (tasks, faults).

    tasks:  {(tenant, taskId): {"owner": str|None, "configs": [(id, url), ...]}}
    faults: {"tenant:taskId": SeededFault}

    File format:
      {"tasks": [{"tenant": "t1", "taskId": "task-1", "owner": "alice",
                  "pushConfigs": [{"id": "cfg-1", "url": "http://..."}]}],
       "faults": {"t1:task-9": {"statuses": [503, 0], "delayMs": 0,
                                "retryAfter": "1", "reset": false,
                                "always": 401}}}
    """
    try:
        with open(path, "rb") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise SeedError(f"cannot read seed file {path}: {e}") from e
    if not isinstance(doc, dict):
        raise SeedError(f"{path}: top level must be a JSON object")

    tasks = {}
    for i, task in enumerate(doc.get("tasks") or []):
        where = f"{path}: tasks[{i}]"
        if not isinstance(task, dict):
            raise SeedError(f"{where}: must be an object")
        tenant, task_id = task.get("tenant"), task.get("taskId")
        if not isinstance(tenant, str) or not isinstance(task_id, str):
            raise SeedError(f"{where}: tenant and taskId must be strings")
        configs = []
        for j, cfg in enumerate(task.get("pushConfigs") or []):
            if not (isinstance(cfg, dict) and isinstance(cfg.get("id"), str)
                    and isinstance(cfg.get("url"), str)):
                raise SeedError(f"{where}.pushConfigs[{j}]: needs string id and url")
            configs.append((cfg["id"], cfg["url"]))
        tasks[(tenant, task_id)] = {"owner": task.get("owner"), "configs": configs}

    faults = {}
    raw_faults = doc.get("faults") or {}
    if not isinstance(raw_faults, dict):
        raise SeedError(f"{path}: faults must be an object keyed by 'tenant:taskId'")
    for key, spec in raw_faults.items():
        where = f"{path}: faults[{key!r}]"
        if not isinstance(spec, dict):
            raise SeedError(f"{where}: must be an object")
        statuses = spec.get("statuses") or []
        if not isinstance(statuses, list) or not all(_valid_status(s) for s in statuses):
            raise SeedError(f"{where}: statuses must be a list of 0 or 200..599")
        always = spec.get("always")
        if always is not None and not _valid_status(always):
            raise SeedError(f"{where}: always must be 0 or 200..599")
        if always is None and spec.get("reset") is True:
            always = 0
        delay_ms = spec.get("delayMs", 0) or 0
        if not _is_int(delay_ms) or delay_ms < 0:
            raise SeedError(f"{where}: delayMs must be a non-negative integer")
        retry_after = spec.get("retryAfter")
        if retry_after is not None:
            retry_after = str(retry_after)
        faults[key] = SeededFault(statuses, always, delay_ms, retry_after)
    return tasks, faults


def read_token(path):
    """Read the bearer token file as bytes, without its trailing newline."""
    try:
        with open(path, "rb") as f:
            return f.read().rstrip(b"\r\n")
    except OSError as e:
        raise SeedError(f"cannot read token file {path}: {e}") from e


# --------------------------------------------------------------------------
# Request validation
# --------------------------------------------------------------------------

def _reject_constant(name):
    # json.loads would otherwise accept NaN / Infinity / -Infinity.
    raise ValueError(f"non-finite number {name} is not valid JSON")


def parse_body(raw):
    """Return (object, None) or (None, error message). Integers stay exact."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant), None
    except UnicodeDecodeError:
        return None, "body is not valid UTF-8"
    except ValueError as e:  # JSONDecodeError, oversized ints, NaN
        return None, f"body is not valid JSON: {e}"


def validate(obj):
    """Check a parsed redispatch body; return an error message or None."""
    if not isinstance(obj, dict):
        return "body must be a JSON object"
    for name in ("tenant", "taskId", "owner"):
        if name not in obj:
            return f"missing field: {name}"
        if not isinstance(obj[name], str):
            return f"field {name} must be a string"
    if not obj["tenant"] or not obj["taskId"]:
        return "tenant and taskId must not be empty"
    for name, lo, hi in (("eventSequence", 0, U64_MAX),
                         ("recordedAtMicros", I64_MIN, I64_MAX)):
        if name not in obj:
            return f"missing field: {name}"
        value = obj[name]
        if not _is_int(value):  # rejects floats (1.0, 1e3), bools, strings
            return f"field {name} must be an integer"
        if not lo <= value <= hi:
            if name == "eventSequence" and value < 0:
                return "eventSequence must not be negative"
            return f"field {name} is out of range"
    return None


# --------------------------------------------------------------------------
# Shared server state
# --------------------------------------------------------------------------

class Reply:
    """What one request is answered with, worked out before anything is sent."""

    __slots__ = ("status", "payload", "outcome", "fault", "headers", "webhooks",
                 "body_json")

    def __init__(self, status, payload, outcome, fault=None, headers=(), webhooks=()):
        self.status = status        # int; 0 = reset the connection
        self.payload = payload      # dict (JSON) or bytes
        self.outcome = outcome
        self.fault = fault          # random fault kind, "seed:<status>", or None
        self.headers = list(headers)
        self.webhooks = webhooks    # [(tenant, taskId, seq, configId, url)]
        self.body_json = None


class Dispatcher:
    """All mutable state, shared by the handler threads.

    state_lock guards the claim-fencing set, the seeded fault scripts and the
    RNG. record_lock guards the request counter, the stats and the record file,
    so lines are written whole and "n" goes up with the line order.
    """

    def __init__(self, args):
        self.verbose = args.verbose
        self.tasks, self.faults = load_seed(args.seed) if args.seed else ({}, {})
        self.token = read_token(args.token_file) if args.token_file else None
        self.fail_rate = args.fail_rate
        self.fault_mix = args.fault_mix
        self.delay_s = args.delay_ms / 1000.0
        self.rng = random.Random(args.random_seed)

        self.state_lock = threading.Lock()
        self.fired = set()  # {(tenant, taskId, eventSequence, configId)}

        self.record_lock = threading.Lock()
        self.record_file = None
        if args.record:
            try:
                # Line buffered; record() also flushes every line.
                self.record_file = open(args.record, "a", buffering=1,
                                        encoding="utf-8", newline="\n")
            except OSError as e:
                raise SeedError(f"cannot open record file {args.record}: {e}") from e
        self.requests = 0
        self.by_status = collections.Counter()
        self.webhooks = 0

    # -- decisions (state_lock) --------------------------------------------

    def random_fault(self):
        """Return a fault kind from --fault-mix, or None (no fault)."""
        if self.fail_rate <= 0:
            return None
        with self.state_lock:
            if self.rng.random() < self.fail_rate:
                return self.rng.choice(self.fault_mix)
        return None

    def seeded_fault(self, tenant, task_id):
        """Return (status or None, delay_ms, retry_after) for one attempt."""
        fault = self.faults.get(f"{tenant}:{task_id}")
        if fault is None:
            return None, 0, None
        with self.state_lock:
            status = fault.next_status()
        return status, fault.delay_ms, fault.retry_after

    def dispatch(self, tenant, task_id, seq):
        """Claim and "fire" the task's webhooks. Returns None if the task is
        unknown, else the list of webhooks fired now (empty for a repeat)."""
        task = self.tasks.get((tenant, task_id))
        if task is None:
            return None
        fired = []
        with self.state_lock:
            for config_id, url in task["configs"]:
                claim = (tenant, task_id, seq, config_id)
                if claim not in self.fired:
                    self.fired.add(claim)
                    fired.append((tenant, task_id, seq, config_id, url))
        return fired

    # -- record log and stats (record_lock) -----------------------------------

    def record(self, handler, raw_body, reply):
        """Count the request and write its record lines (before it is answered)."""
        with self.record_lock:
            self.requests += 1
            n = self.requests
            self.by_status[reply.status] += 1
            self.webhooks += len(reply.webhooks)
            if self.record_file is None:
                return
            headers = {}
            for name, value in handler.headers.items():
                name = name.lower()
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
            lines = [{
                "kind": "request",
                "n": n,
                "ts": round(time.time(), 6),
                "peer": "%s:%s" % handler.client_address[:2],
                "method": handler.command,
                "path": handler.path,
                "headers": headers,
                "body": raw_body.decode("latin-1"),  # lossless for any bytes
                "body_json": reply.body_json,
                "status": reply.status,
                "outcome": reply.outcome,
                "fault": reply.fault,
            }]
            for tenant, task_id, seq, config_id, url in reply.webhooks:
                lines.append({"kind": "webhook", "n": n, "tenant": tenant,
                              "taskId": task_id, "eventSequence": seq,
                              "config": config_id, "url": url})
            try:
                for line in lines:
                    self.record_file.write(json.dumps(line, separators=(",", ":")) + "\n")
                self.record_file.flush()
            except (OSError, ValueError) as e:  # disk full, or closed at shutdown
                print(f"test-dispatcher: cannot write record: {e}", file=sys.stderr)

    def stats(self):
        with self.record_lock:
            return {"requests": self.requests,
                    "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
                    "webhooks": self.webhooks}

    def close(self):
        with self.record_lock:
            if self.record_file is not None:
                self.record_file.close()
                self.record_file = None


# --------------------------------------------------------------------------
# HTTP handler
# --------------------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive
    server_version = "a2a-test-dispatcher/1"
    sys_version = ""
    disable_nagle_algorithm = True  # small responses must not wait for ACKs
    timeout = 120                   # drop idle keep-alive connections

    # Introspection endpoints are the only GETs that do not go through _handle.
    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/_health":
            self._send(200, b"ok\n", content_type="text/plain")
        elif path == "/_stats":
            self._send(200, self.server.dispatcher.stats())
        else:
            self._handle()

    def do_POST(self):
        self._handle()

    do_PUT = do_PATCH = do_DELETE = do_POST

    # -- plumbing -------------------------------------------------------------

    def setup(self):
        super().setup()  # sets the socket timeout
        if isinstance(self.connection, ssl.SSLSocket):
            # The listening socket does not handshake in accept(), so a slow
            # client cannot stall the accept loop. Do it in this thread.
            self.connection.do_handshake()

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        if self.server.dispatcher.verbose:
            super().log_message(format, *args)

    def handle_expect_100(self):
        # Refuse an unacceptable body before the client sends it.
        _, problem = self._body_length()
        if problem is not None:
            self._refuse_unread(problem)
            return False
        return super().handle_expect_100()

    def _body_length(self):
        """Return (length, None) or (None, (status, message, outcome))."""
        if self.headers.get("Transfer-Encoding"):
            return None, (411, "send the body with Content-Length", "length_required")
        values = self.headers.get_all("Content-Length") or []
        if not values:
            return 0, None
        value = values[0].strip()
        if len(set(v.strip() for v in values)) > 1 or not (value.isascii() and value.isdigit()):
            return None, (400, "bad Content-Length", "bad_request")
        length = int(value)
        if length > MAX_BODY:
            return None, (413, "body larger than 1 MiB", "too_large")
        return length, None

    def _refuse_unread(self, problem):
        """Answer without reading the body; the connection cannot be reused."""
        status, message, outcome = problem
        self.close_connection = True
        reply = Reply(status, {"error": message}, outcome)
        self.server.dispatcher.record(self, b"", reply)
        self._send(status, reply.payload)

    def _send(self, status, payload, content_type="application/json", headers=()):
        """Write the whole response with one write call."""
        if isinstance(payload, bytes):
            body = payload
        else:
            body = json.dumps(payload, separators=(",", ":")).encode()
        if status in (204, 304):  # must not have a body
            body = b""
        reason = self.responses.get(status, ("Injected",))[0]
        lines = [f"HTTP/1.1 {status} {reason}",
                 f"Server: {self.server_version}",
                 f"Date: {self.date_time_string()}"]
        if status != 204:
            lines.append(f"Content-Type: {content_type}")
            lines.append(f"Content-Length: {len(body)}")
        lines.extend(f"{name}: {value}" for name, value in headers)
        if self.close_connection:
            lines.append("Connection: close")
        elif self.request_version == "HTTP/1.0":
            lines.append("Connection: keep-alive")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        self.log_request(status, len(body))

    def _reset(self):
        """Close the connection abruptly: RST instead of FIN, no response."""
        self.close_connection = True
        self.log_message('"%s" reset', self.requestline)
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        # makefile() holds a reference on the socket; drop it so that close()
        # really closes the descriptor now. The server's own shutdown/close
        # afterwards are harmless no-ops.
        self.rfile.close()
        self.connection.close()

    # -- request handling -------------------------------------------------------

    def _handle(self):
        length, problem = self._body_length()
        if problem is not None:
            self._refuse_unread(problem)
            return
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:  # client went away mid-body
            self.close_connection = True
            return

        dispatcher = self.server.dispatcher
        try:
            reply = self._process(dispatcher, raw)
        except Exception:  # a bug here; say so loudly but keep serving
            traceback.print_exc()
            reply = Reply(500, {"error": "test dispatcher bug"}, "error")

        dispatcher.record(self, raw, reply)
        if reply.status == 0:
            self._reset()
        else:
            self._send(reply.status, reply.payload, headers=reply.headers)

    def _process(self, dispatcher, raw):
        """Decide the reply for one request (sleeps for delay faults)."""
        obj, parse_error = parse_body(raw)

        def done(reply):
            reply.body_json = obj
            return reply

        path = self.path.split("?", 1)[0]
        if not path.endswith(REDISPATCH_SUFFIX):
            return done(Reply(404, {"error": "not found"}, "not_found"))
        if self.command != "POST":
            return done(Reply(405, {"error": "method not allowed"}, "method_not_allowed",
                              headers=[("Allow", "POST")]))
        if dispatcher.token is not None and not self._authorized(dispatcher.token):
            return done(Reply(401, {"error": "unauthorized"}, "unauthorized",
                              headers=[("WWW-Authenticate", "Bearer")]))

        # Random faults (--fail-rate) strike before the body is looked at,
        # like a flaky proxy in front of the dispatcher.
        fault = dispatcher.random_fault()
        if fault == "reset":
            return done(Reply(0, None, "reset", fault))
        if fault in ("503", "500", "429"):
            headers = [("Retry-After", "1")] if fault == "429" else []
            return done(Reply(int(fault), {"error": "injected"}, "injected", fault, headers))
        if fault == "delay":
            time.sleep(dispatcher.delay_s)  # then answer normally

        if parse_error is None:
            parse_error = validate(obj)
        if parse_error is not None:
            return done(Reply(400, {"error": parse_error}, "bad_request", fault))
        tenant, task_id, seq = obj["tenant"], obj["taskId"], obj["eventSequence"]

        # Per-task scripted faults from the seed file.
        status, delay_ms, retry_after = dispatcher.seeded_fault(tenant, task_id)
        if delay_ms:
            time.sleep(delay_ms / 1000.0)
            fault = fault or "seed:delay"
        if status is not None:
            fault = f"seed:{status}"
            if status == 0:
                return done(Reply(0, None, "reset", fault))
            if status != 200:
                headers = []
                if 300 <= status < 400:
                    headers.append(("Location", "/elsewhere"))
                if retry_after is not None:
                    headers.append(("Retry-After", retry_after))
                return done(Reply(status, {"error": "injected"}, "injected", fault, headers))

        fired = dispatcher.dispatch(tenant, task_id, seq)
        if fired is None:
            return done(Reply(200, {"outcome": "taskDeleted"}, "taskDeleted", fault))
        return done(Reply(200, {"outcome": "dispatched", "webhooks": len(fired)},
                          "dispatched", fault, webhooks=fired))

    def _authorized(self, token):
        header = self.headers.get("Authorization", "")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer":
            return False
        # Header values are decoded as latin-1 by http.client: back to bytes.
        return hmac.compare_digest(credentials.encode("latin-1", "replace"), token)


# --------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def server_bind(self):
        # HTTPServer.server_bind() calls socket.getfqdn(), which can stall on
        # DNS; we do not need the name.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        # Client resets, broken pipes, TLS handshake failures: expected noise.
        if self.dispatcher.verbose:
            super().handle_error(request, client_address)


class Server6(Server):
    address_family = socket.AF_INET6


def write_port_file(path, port):
    """Write "<port>\\n" atomically (temporary file + rename)."""
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Test stand-in for the dispatcher's redispatch endpoint.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to bind (default 0 = ephemeral)")
    p.add_argument("--seed", metavar="FILE", help="JSON file with tasks and scripted faults")
    p.add_argument("--record", metavar="FILE",
                   help="append a JSON line per request and per fired webhook")
    p.add_argument("--port-file", metavar="FILE",
                   help="write the bound port to FILE (atomically) once listening")
    p.add_argument("--token-file", metavar="FILE",
                   help="require 'Authorization: Bearer <FILE contents>' (else 401)")
    p.add_argument("--fail-rate", type=float, default=0.0, metavar="P",
                   help="probability 0..1 that a request gets a random fault")
    p.add_argument("--fault-mix", default=DEFAULT_FAULT_MIX, metavar="LIST",
                   help="comma list of fault kinds picked uniformly: %s (default %s)"
                        % (",".join(FAULT_KINDS), DEFAULT_FAULT_MIX))
    p.add_argument("--delay-ms", type=int, default=2000, metavar="N",
                   help="sleep of the 'delay' fault (default 2000)")
    p.add_argument("--random-seed", type=int, metavar="N",
                   help="seed the fault RNG for reproducible runs")
    p.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this certificate")
    p.add_argument("--tls-key", metavar="FILE", help="private key for --tls-cert")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = p.parse_args(argv)

    if not 0.0 <= args.fail_rate <= 1.0:
        p.error("--fail-rate must be between 0 and 1")
    mix = [k.strip() for k in args.fault_mix.split(",") if k.strip()]
    unknown = [k for k in mix if k not in FAULT_KINDS]
    if unknown or not mix:
        p.error(f"--fault-mix: unknown or empty fault kinds {unknown}; use {','.join(FAULT_KINDS)}")
    args.fault_mix = mix
    if args.delay_ms < 0:
        p.error("--delay-ms must not be negative")
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    return args


def main(argv=None):
    args = parse_args(argv)

    # Install the signal handlers first: whoever starts us may send SIGTERM
    # as soon as it has seen the "listening on" line.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    try:
        dispatcher = Dispatcher(args)
        server_class = Server6 if ":" in args.host else Server
        server = server_class((args.host, args.port), Handler)
    except (SeedError, OSError) as e:
        print(f"test-dispatcher: {e}", file=sys.stderr)
        return 2
    server.dispatcher = dispatcher

    scheme = "http"
    if args.tls_cert:
        try:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(args.tls_cert, args.tls_key)
        except (OSError, ssl.SSLError) as e:
            print(f"test-dispatcher: cannot load TLS certificate/key: {e}", file=sys.stderr)
            return 2
        server.socket = context.wrap_socket(server.socket, server_side=True,
                                            do_handshake_on_connect=False)
        scheme = "https"

    port = server.server_address[1]
    if args.port_file:
        write_port_file(args.port_file, port)
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"listening on {scheme}://{host}:{port}{PUBLIC_PATH}", flush=True)

    serve = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                             name="serve", daemon=True)
    serve.start()
    while not stop.wait(0.5):  # short waits keep the main thread responsive
        pass

    server.shutdown()      # stop accepting; in-flight daemon threads are abandoned
    server.server_close()
    dispatcher.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
