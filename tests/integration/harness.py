"""Shared helpers for the live-path integration tests (Python 3 stdlib only).

Environment
    A2A_RECOVER_BIN   path of the a2a-recover binary (required; ctest sets it)
    A2A_SOURCE_DIR    project root (default: two directories above this file)

Stable API (other test files depend on it; extend, do not change):

    BIN, SOURCE_DIR, DISPATCHER_SCRIPT, GEN_BATCH_SCRIPT   paths (str)
    PYTHON                                                 sys.executable

    class IntegrationTestCase(unittest.TestCase)
        self.tmp                       fresh temp dir per test (removed afterwards)
        self.path(name) -> str         os.path.join(self.tmp, name)
        self.start_dispatcher(**kw) -> Dispatcher   started; stopped at cleanup
        self.run_tool(args, **kw) -> ToolResult     see run_tool()
        self.write_event(records, name="event.json") -> path  (Lambda event file)
        self.gen_batch(records, **kw) -> (path, summary dict)

    class Dispatcher(workdir, seed=None, fail_rate=None, fault_mix=None,
                     delay_ms=None, random_seed=None, token=None, extra_args=())
        Runs scripts/test-dispatcher.py on 127.0.0.1, ephemeral port, with
        --port-file and --record in workdir.  `seed` is a dict (written to a
        file) or a path; `token` (str) makes it require that bearer token.
        .start(timeout=10) -> self     waits for the port file and /_health
        .url        "http://127.0.0.1:PORT/internal/push/redispatch"
        .base_url   "http://127.0.0.1:PORT"
        .port
        .records()  -> [dict]  every line of the --record JSONL (complete lines)
        .requests() -> [dict]  kind == "request", in arrival order ("n")
        .webhooks() -> [dict]  kind == "webhook"
        .wait_requests(count, timeout=10) -> [dict]  until >= count requests
        .stats()    -> dict    GET /_stats
        .stop()                SIGTERM, wait (SIGKILL after 5 s); idempotent
        usable as a context manager.
        Also stable, for subclasses (e.g. a TLS variant): .args (the command
        line, list), .proc (Popen), .port_file, .record_file, .log_file, .log(),
        .healthy() (one health probe; override to probe differently).

    free_port() -> int      a loopback port that was free a moment ago
    signal_and_wait(proc, sig, timeout=10) -> (stdout, stderr, seconds)
        Sends sig to a start_tool() process, waits for it to end, and times the
        stop; kills it if it is still running afterwards.

    run_tool(args, input=None, env=None, timeout=60, token=None,
             clear_env=True, cwd=None) -> ToolResult
        Runs BIN with args (list of str).  input: bytes/str for stdin (else
        /dev/null).  env: extra variables.  clear_env drops any inherited
        A2A_RECOVER_* variables first.  token: sets A2A_RECOVER_TOKEN.
        A timeout kills the tool and fails with AssertionError.
    start_tool(args, env=None, token=None, stdin=None, stderr=PIPE, ...) -> Popen
        For signal tests; stdout/stderr are pipes (bytes).
    ToolResult: .rc .stdout .stderr (str, utf-8 with replacement)
        .stdout_bytes .stderr_bytes .elapsed (s)
        .response -> dict parsed from the single stdout line (or None)
        .failures -> [itemIdentifier, ...] in response order (None if no response)

    Record builders (DynamoDB Streams records, Lambda shape, as dicts):
        insert(seq, tenant, task_id, owner="alice", event_sequence=1,
               recorded_at=1700000000000000, event_name="INSERT", **image_extra)
            SequenceNumber seq (str, or None to omit); numbers are written as
            DynamoDB "N" strings, so u64 max etc. pass through exactly.
        modify(...), remove(seq, tenant, task_id) -> records never dispatched
        malformed(seq, tenant="acme", task_id="bad") -> INSERT without owner
        event(records) -> {"Records": records}
        write_event(path, records) -> path   (json.dumps, ensure_ascii=False)
        write_json(path, obj), write_text(path, text)
    seed_doc(tasks=(), faults=None, configs=1) -> dict  a Dispatcher seed: tasks are
        (tenant, taskId) pairs, each with `configs` push configs cfg-0, cfg-1, ...

    gen_batch(out, records, seed=1, shape="lambda", expected=None, **flags)
        -> summary dict (runs scripts/gen-batch.py --summary)
    read_jsonl(path) -> [dict]   (ignores a trailing partial line)
    idempotency_key(tenant, task_id, seq) -> str  (RFC 3986 unreserved kept)
    seq_of_request(req) / key_of_request(req): helpers on recorded requests
"""

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("A2A_SOURCE_DIR") or os.path.normpath(os.path.join(HERE, "..", ".."))
BIN = os.environ.get("A2A_RECOVER_BIN", "")
DISPATCHER_SCRIPT = os.path.join(SOURCE_DIR, "scripts", "test-dispatcher.py")
GEN_BATCH_SCRIPT = os.path.join(SOURCE_DIR, "scripts", "gen-batch.py")
PYTHON = sys.executable or "python3"

ENV_VARS = ("A2A_RECOVER_URL", "A2A_RECOVER_TOKEN")
# A proxy of the machine running the tests must not come between the tool and the loopback
# test dispatcher; the proxy tests set their own.
PROXY_VARS = ("http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
              "no_proxy", "NO_PROXY")


def require_bin():
    if not BIN or not os.access(BIN, os.X_OK):
        raise unittest.SkipTest("A2A_RECOVER_BIN is not set to an executable a2a-recover")


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------

def write_text(path, text):
    mode = "wb" if isinstance(text, bytes) else "w"
    kw = {} if isinstance(text, bytes) else {"encoding": "utf-8"}
    with open(path, mode, **kw) as f:
        f.write(text)
    return path


def write_json(path, obj):
    return write_text(path, json.dumps(obj, ensure_ascii=False))


def read_json(path):
    with open(path, "rb") as f:
        return json.load(f)


def read_jsonl(path):
    """Parse a JSON-lines file; a trailing line without newline is ignored."""
    out = []
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return out
    lines = data.split(b"\n")
    for line in lines[:-1]:  # last element is "" or a partial line
        if line.strip():
            out.append(json.loads(line.decode("utf-8")))
    return out


# --------------------------------------------------------------------------
# Record builders
# --------------------------------------------------------------------------

def _image(tenant, task_id, owner, event_sequence, recorded_at, extra):
    img = {
        "pk": {"S": "TENANT#%s#TASK#%s" % (tenant, task_id)},
        "sk": {"S": "SEQ#%s" % (event_sequence,)},
        "tenant": {"S": tenant},
        "taskId": {"S": task_id},
    }
    if owner is not None:
        img["owner"] = {"S": owner}
    img["eventSequence"] = {"N": str(event_sequence)}
    img["recordedAtMicros"] = {"N": str(recorded_at)}
    img.update(extra)
    return img


def _record(seq, event_name, image, keys):
    ddb = {"ApproximateCreationDateTime": 1700000000, "Keys": keys}
    if image is not None:
        ddb["NewImage"] = image
    if seq is not None:
        ddb["SequenceNumber"] = str(seq)
    ddb["SizeBytes"] = 100
    ddb["StreamViewType"] = "NEW_IMAGE"
    return {
        "eventID": "ev-%s" % (seq,),
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": ddb,
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/"
                          "a2a_push_pending_dispatches/stream/2026-01-01T00:00:00.000",
    }


def insert(seq, tenant, task_id, owner="alice", event_sequence=1,
           recorded_at=1700000000000000, event_name="INSERT", **image_extra):
    img = _image(tenant, task_id, owner, event_sequence, recorded_at, image_extra)
    return _record(seq, event_name, img, {"pk": img["pk"], "sk": img["sk"]})


def modify(seq, tenant, task_id, owner="alice", event_sequence=1,
           recorded_at=1700000000000000):
    return insert(seq, tenant, task_id, owner, event_sequence, recorded_at,
                  event_name="MODIFY")


def remove(seq, tenant, task_id):
    keys = {"pk": {"S": "TENANT#%s#TASK#%s" % (tenant, task_id)}, "sk": {"S": "SEQ#1"}}
    return _record(seq, "REMOVE", None, keys)


def malformed(seq, tenant="acme", task_id="bad"):
    """An INSERT whose NewImage lacks `owner` (a parse failure)."""
    return insert(seq, tenant, task_id, owner=None)


def event(records):
    return {"Records": list(records)}


def write_event(path, records):
    return write_json(path, event(records))


def seed_doc(tasks=(), faults=None, configs=1):
    """A test-dispatcher seed: tasks are (tenant, taskId) pairs, each with `configs` push
    configs cfg-0, cfg-1, ...; faults as scripts/test-dispatcher.py reads them."""
    return {
        "tasks": [{"tenant": t, "taskId": k, "owner": "alice",
                   "pushConfigs": [{"id": "cfg-%d" % i,
                                    "url": "https://hooks.invalid/%s/%d" % (k, i)}
                                   for i in range(configs)]}
                  for t, k in tasks],
        "faults": faults or {},
    }


def idempotency_key(tenant, task_id, seq):
    def enc(s):
        return urllib.parse.quote(str(s), safe="-._~")
    return "%s:%s:%s" % (enc(tenant), enc(task_id), enc(seq))


def key_of_request(req):
    """(tenant, taskId, eventSequence) of a recorded request, or None."""
    b = req.get("body_json")
    if not isinstance(b, dict):
        return None
    return (b.get("tenant"), b.get("taskId"), b.get("eventSequence"))


def seq_of_request(req):
    b = req.get("body_json")
    return b.get("eventSequence") if isinstance(b, dict) else None


def gen_batch(out, records, seed=1, shape="lambda", expected=None, **flags):
    """Run scripts/gen-batch.py; returns its --summary counts."""
    cmd = [PYTHON, GEN_BATCH_SCRIPT, "--records", str(records), "--seed", str(seed),
           "--shape", shape, "--out", out, "--summary"]
    if expected:
        cmd += ["--expected", expected]
    for name, value in flags.items():
        cmd += ["--" + name.replace("_", "-"), str(value)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("gen-batch failed: %s" % p.stderr.decode(errors="replace"))
    return json.loads(p.stderr.decode().strip().splitlines()[-1])


# --------------------------------------------------------------------------
# A test server process: started with --port 0 --port-file, ready once /_health answers
# --------------------------------------------------------------------------

class ServerProcess:
    """Subclasses set .what (its name in errors), .args, .port_file, .record_file,
    .log_file, and define healthy() (one GET /_health)."""

    what = "test server"
    proc = None
    port = None
    _log = None

    def start(self, timeout=10):
        for p in (self.port_file, self.record_file):
            if os.path.exists(p):
                os.unlink(p)
        self._log = open(self.log_file, "wb")
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s: %s"
                                   % (self.what, self.proc.returncode, self.log()))
            try:
                with open(self.port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    break
            except (FileNotFoundError, ValueError):
                pass
            time.sleep(0.02)
        else:
            self.stop()
            raise RuntimeError("%s did not start: %s" % (self.what, self.log()))
        # The port file is written before serve_forever runs; wait until it answers.
        while time.monotonic() < deadline:
            try:
                if self.healthy():
                    return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError("%s does not answer /_health: %s" % (self.what, self.log()))

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def log(self):
        try:
            with open(self.log_file, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""


# --------------------------------------------------------------------------
# Test dispatcher
# --------------------------------------------------------------------------

class Dispatcher(ServerProcess):
    what = "test dispatcher"

    def __init__(self, workdir, seed=None, fail_rate=None, fault_mix=None, delay_ms=None,
                 random_seed=None, token=None, extra_args=(), name="dispatcher"):
        self.workdir = workdir
        self.port_file = os.path.join(workdir, name + ".port")
        self.record_file = os.path.join(workdir, name + ".jsonl")
        self.log_file = os.path.join(workdir, name + ".log")
        args = [PYTHON, DISPATCHER_SCRIPT, "--host", "127.0.0.1", "--port", "0",
                "--port-file", self.port_file, "--record", self.record_file]
        if seed is not None:
            if isinstance(seed, dict):
                seed_path = write_json(os.path.join(workdir, name + "-seed.json"), seed)
            else:
                seed_path = seed
            args += ["--seed", seed_path]
        if fail_rate is not None:
            args += ["--fail-rate", str(fail_rate)]
        if fault_mix is not None:
            args += ["--fault-mix", fault_mix if isinstance(fault_mix, str) else ",".join(fault_mix)]
        if delay_ms is not None:
            args += ["--delay-ms", str(delay_ms)]
        if random_seed is not None:
            args += ["--random-seed", str(random_seed)]
        if token is not None:
            tf = write_text(os.path.join(workdir, name + "-token"), token)
            args += ["--token-file", tf]
        args += list(extra_args)
        self.args = args
        self.proc = None
        self.port = None
        self._log = None

    # -- lifecycle --------------------------------------------------------

    def healthy(self):
        """One GET /_health; subclasses override it (a TLS variant probes over https)."""
        with urllib.request.urlopen(self.base_url + "/_health", timeout=2) as r:
            return r.status == 200


    # -- addresses --------------------------------------------------------

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def url(self):
        return self.base_url + "/internal/push/redispatch"

    # -- what it received --------------------------------------------------

    def records(self):
        return read_jsonl(self.record_file)

    def requests(self):
        reqs = [r for r in self.records() if r.get("kind") == "request"]
        reqs.sort(key=lambda r: r["n"])
        return reqs

    def webhooks(self):
        return [r for r in self.records() if r.get("kind") == "webhook"]

    def wait_requests(self, count, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            reqs = self.requests()
            if len(reqs) >= count or time.monotonic() >= deadline:
                return reqs
            time.sleep(0.02)

    def stats(self):
        with urllib.request.urlopen(self.base_url + "/_stats", timeout=5) as r:
            return json.loads(r.read().decode())


# --------------------------------------------------------------------------
# Running the tool
# --------------------------------------------------------------------------

class ToolResult:
    def __init__(self, args, rc, stdout, stderr, elapsed):
        self.args = args
        self.rc = rc
        self.stdout_bytes = stdout
        self.stderr_bytes = stderr
        self.stdout = stdout.decode("utf-8", "replace")
        self.stderr = stderr.decode("utf-8", "replace")
        self.elapsed = elapsed

    @property
    def response(self):
        lines = [l for l in self.stdout.splitlines() if l.strip()]
        if not lines:
            return None
        return json.loads(lines[-1])

    @property
    def failures(self):
        resp = self.response
        if resp is None:
            return None
        return [f["itemIdentifier"] for f in resp["batchItemFailures"]]

    def __repr__(self):
        return ("ToolResult(rc=%r, elapsed=%.2f, args=%r,\n stdout=%r,\n stderr=%r)"
                % (self.rc, self.elapsed, self.args, self.stdout[:2000], self.stderr[-4000:]))


_EMPTY_HOME = []


def empty_home():
    """An empty directory for the tool's HOME, made once per process, removed at exit."""
    if not _EMPTY_HOME:
        _EMPTY_HOME.append(tempfile.mkdtemp(prefix="a2a-home-"))
        atexit.register(shutil.rmtree, _EMPTY_HOME[0], True)
    return _EMPTY_HOME[0]


def tool_env(env=None, token=None, clear_env=True):
    # The runner's AWS_* variables never reach the tool (a test names the ones it sets):
    # an AWS_CA_BUNDLE or AWS_PROFILE of the machine running the tests would change the run.
    # Nor does the runner's ~/.aws: HOME is an empty directory unless the test gives one.
    # Instance metadata is off: an input naming a stream range must never send the tool to
    # 169.254.169.254 for credentials (a test that wants it sets the variable in env).
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e["HOME"] = empty_home()
    e["AWS_EC2_METADATA_DISABLED"] = "true"
    if clear_env:
        for k in ENV_VARS + PROXY_VARS:
            e.pop(k, None)
    if token is not None:
        e["A2A_RECOVER_TOKEN"] = token
    if env:
        e.update(env)
    return e


def run_tool(args, input=None, env=None, timeout=60, token=None, clear_env=True, cwd=None):
    require_bin()
    if isinstance(input, str):
        input = input.encode("utf-8")
    cmd = [BIN] + [str(a) for a in args]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, input=input,
                           stdin=subprocess.DEVNULL if input is None else None,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           env=tool_env(env, token, clear_env), cwd=cwd)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("a2a-recover timed out after %ss: %r\nstderr: %r"
                             % (timeout, cmd, (e.stderr or b"")[-2000:]))
    return ToolResult(cmd, p.returncode, p.stdout, p.stderr, time.monotonic() - t0)


def start_tool(args, env=None, token=None, clear_env=True, stdin=None,
               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=None):
    require_bin()
    cmd = [BIN] + [str(a) for a in args]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL if stdin is None else stdin,
                            stdout=stdout, stderr=stderr,
                            env=tool_env(env, token, clear_env), cwd=cwd)


# --------------------------------------------------------------------------
# TestCase base
# --------------------------------------------------------------------------

class IntegrationTestCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        require_bin()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="a2a-integ-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def start_dispatcher(self, **kw):
        """Start a Dispatcher in self.tmp (names dispatcher, dispatcher2, ...)."""
        self._n_dispatchers = getattr(self, "_n_dispatchers", 0) + 1
        if "name" not in kw and self._n_dispatchers > 1:
            kw["name"] = "dispatcher%d" % self._n_dispatchers
        d = Dispatcher(self.tmp, **kw)
        self.addCleanup(d.stop)  # runs before the rmtree (LIFO)
        return d.start()

    def run_tool(self, args, **kw):
        return run_tool(args, **kw)

    def write_event(self, records, name="event.json"):
        return write_event(self.path(name), records)

    def gen_batch(self, records, name="batch.json", **kw):
        out = self.path(name)
        return out, gen_batch(out, records, **kw)


def free_port():
    """A loopback port that was free a moment ago."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def signal_and_wait(proc, sig, timeout=10):
    """Sends sig to a running tool and waits; returns (stdout, stderr, seconds to stop)."""
    try:
        t0 = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=timeout)
        return out, err, time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
