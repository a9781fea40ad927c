"""Helpers for tests against scripts/test-streams.py, the test DynamoDB Streams server
(Python 3 stdlib; botocore only inside the functions that referee signatures).

Everything here talks to 127.0.0.1 only.  The environment given to any AWS client (the
`aws` CLI, a2a-recover) starts from os.environ with every AWS_* variable and every proxy
variable removed, then sets AWS_EC2_METADATA_DISABLED=true and HOME to a fresh directory,
so no credential, profile or endpoint of the machine running the tests can leak in.

Stable API (extend, do not change):

    STREAMS_SCRIPT, STREAM_ARN (gen-batch's), REGION, KEY_ID, SECRET
    aws_cli() -> str          Debian's aws (/usr/bin/aws), else `aws` on PATH, else
                              AssertionError: a missing CLI fails loudly, never skips.
                              A2A_AWS_CLI overrides the path.
    clean_env(home, extra=None) -> dict
        os.environ without AWS_* and proxies, HOME=home, AWS_EC2_METADATA_DISABLED=true,
        AWS_PAGER="" (aws v2 would start a pager), plus extra.
    aws_env(home, key_id=KEY_ID, secret=SECRET, token=None, extra=None) -> dict
        clean_env() with the keys as AWS_ACCESS_KEY_ID/SECRET/SESSION_TOKEN.
    run_aws(args, endpoint_url, env, region=REGION, timeout=30) -> AwsResult
        `aws <args> --endpoint-url URL --region R --output json`.
        AwsResult: .rc .stdout .stderr .json (parsed stdout or None)
        .error_code (the name in "An error occurred (Name) when calling ...", or None)

    class StreamsServer(workdir, seed=None, generate=None, keys=None, args=(), name="streams")
        Runs scripts/test-streams.py on 127.0.0.1, ephemeral port, with --port-file and
        --record in workdir.  seed: dict (written to a file) or path.  keys: list of
        (key_id, secret) or (key_id, secret, token); default [(KEY_ID, SECRET)].
        args: more command-line options (e.g. ["--fault", "ThrottlingException,count=2"]).
        .start(timeout=10) -> self; .stop() (SIGTERM, then SIGKILL); context manager
        .port, .endpoint_url ("http://127.0.0.1:PORT"), .log()
        .calls() -> [dict]             the call log, one dict per API call, in order
        .wait_calls(count, timeout=10) -> [dict]
        .control(doc) -> None          POST /_control (fault knobs at run time)
        .stats() -> dict               GET /_stats
        .post(target_op, body, headers) -> (status, dict)   unsigned raw POST /

    Records and seeds:
        shard_id(n) -> "shardId-00000001767225600000-%08x"
        seq(prefix, n) -> 21-digit sequence number str(prefix) + n zero-padded
        stream_record(seq, tenant, task_id, event_sequence=1, event_name="INSERT")
            a GetRecords record (no eventSourceARN) of the marker table's NEW_IMAGE shape
        shard(n, records, parent=None, start=None, end=None, closed=True, **extra) -> dict
        stream_seed(shards, arn=STREAM_ARN_DEMO) -> {"streams": [...]}

    Signature referee (botocore):
        resign(call, secret, region=REGION, service="dynamodb") -> Resigned
            Recomputes the SigV4 signature of a request from the call log (method, path,
            the headers the client listed as signed, body) with botocore's SigV4Auth at
            the request's own X-Amz-Date.  Resigned: .ok .client_signature
            .botocore_signature .canonical_request .signed_headers
        sign_request(body, op, endpoint_url, key_id=KEY_ID, secret=SECRET, token=None,
                     region=REGION) -> (headers dict, body bytes)   signed by SigV4Auth now
"""

import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("A2A_SOURCE_DIR") or os.path.normpath(os.path.join(HERE, "..", ".."))
STREAMS_SCRIPT = os.path.join(SOURCE_DIR, "scripts", "test-streams.py")
PYTHON = sys.executable or "python3"

REGION = "us-east-1"
KEY_ID = "AKIDSTREAMSFAKE00001"
SECRET = "streams-fake-secret/0123456789+abcdefghij"
# gen-batch's stream (what --generate serves)
STREAM_ARN = ("arn:aws:dynamodb:us-east-1:123456789012:table/"
              "a2a_push_pending_dispatches/stream/2026-11-01T00:00:00.000")
STREAM_ARN_DEMO = ("arn:aws:dynamodb:us-east-1:123456789012:table/"
                   "a2a_push_pending_dispatches/stream/2026-01-01T00:00:00.000")
TARGET_PREFIX = "DynamoDBStreams_20120810."
PROXY_VARS = ("http_proxy", "https_proxy", "HTTPS_PROXY", "HTTP_PROXY", "all_proxy",
              "ALL_PROXY", "no_proxy", "NO_PROXY")


# --------------------------------------------------------------------------
# The aws CLI
# --------------------------------------------------------------------------

def aws_cli():
    override = os.environ.get("A2A_AWS_CLI")
    for path in (override, "/usr/bin/aws", shutil.which("aws")):
        if path and os.access(path, os.X_OK):
            return path
    raise AssertionError("the aws CLI is not installed (Debian package awscli; "
                         "scripts/setup.sh installs it): the Streams server's fidelity "
                         "tests cannot run without it")


def clean_env(home, extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in PROXY_VARS}
    env["HOME"] = home
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_PAGER"] = ""
    if extra:
        env.update(extra)
    return env


def aws_env(home, key_id=KEY_ID, secret=SECRET, token=None, extra=None):
    env = clean_env(home)
    env["AWS_ACCESS_KEY_ID"] = key_id
    env["AWS_SECRET_ACCESS_KEY"] = secret
    if token is not None:
        env["AWS_SESSION_TOKEN"] = token
    if extra:
        env.update(extra)
    return env


ERROR_RE = re.compile(r"An error occurred \(([A-Za-z0-9]+)\) when calling")


class AwsResult:
    def __init__(self, args, rc, stdout, stderr):
        self.args, self.rc, self.stdout, self.stderr = args, rc, stdout, stderr

    @property
    def json(self):
        return json.loads(self.stdout) if self.stdout.strip() else None

    @property
    def error_code(self):
        m = ERROR_RE.search(self.stderr)
        return m.group(1) if m else None

    def __repr__(self):
        return "AwsResult(rc=%r, args=%r,\n stdout=%r,\n stderr=%r)" % (
            self.rc, self.args, self.stdout[:2000], self.stderr[-2000:])


def run_aws(args, endpoint_url, env, region=REGION, timeout=30):
    if not endpoint_url.startswith(("http://127.", "http://[::1]", "https://127.")):
        raise AssertionError("refusing a non-loopback endpoint %r" % endpoint_url)
    cmd = [aws_cli()] + list(args) + ["--endpoint-url", endpoint_url, "--region", region,
                                      "--output", "json"]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=timeout)
    return AwsResult(cmd, p.returncode, p.stdout.decode("utf-8", "replace"),
                     p.stderr.decode("utf-8", "replace"))


# --------------------------------------------------------------------------
# Records and seeds
# --------------------------------------------------------------------------

def shard_id(n):
    return "shardId-00000001767225600000-%08x" % n


def seq(prefix, n):
    """A 21-digit sequence number: prefix, then n zero-padded to fill."""
    prefix = str(prefix)
    return prefix + "%0*d" % (21 - len(prefix), n)


def stream_record(seq_text, tenant, task_id, event_sequence=1, event_name="INSERT",
                  owner="alice"):
    image = {"pk": {"S": "TENANT#%s#TASK#%s" % (tenant, task_id)},
             "sk": {"S": "SEQ#%d" % event_sequence},
             "tenant": {"S": tenant}, "taskId": {"S": task_id}, "owner": {"S": owner},
             "eventSequence": {"N": str(event_sequence)},
             "recordedAtMicros": {"N": str(1767225600000000 + event_sequence)}}
    ddb = {"ApproximateCreationDateTime": 1767225600,
           "Keys": {"pk": image["pk"], "sk": image["sk"]}}
    if event_name != "REMOVE":
        ddb["NewImage"] = image
    ddb.update(SequenceNumber=seq_text, SizeBytes=150, StreamViewType="NEW_IMAGE")
    return {"eventID": "ev-%s" % seq_text, "eventName": event_name, "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": REGION, "dynamodb": ddb}


def shard(n, records, parent=None, start=None, end=None, closed=True, **extra):
    doc = {"ShardId": shard_id(n), "Records": list(records)}
    if parent is not None:
        doc["ParentShardId"] = shard_id(parent)
    rng = {}
    if start is not None:
        rng["StartingSequenceNumber"] = start
    elif records:
        rng["StartingSequenceNumber"] = records[0]["dynamodb"]["SequenceNumber"]
    if closed:
        rng["EndingSequenceNumber"] = end or records[-1]["dynamodb"]["SequenceNumber"]
    doc["SequenceNumberRange"] = rng
    doc.update(extra)
    return doc


def stream_seed(shards, arn=STREAM_ARN_DEMO):
    return {"streams": [{"StreamArn": arn, "Shards": list(shards)}]}


# --------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------

def _read_jsonl(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in data.split(b"\n")[:-1] if line.strip()]


# A credential_process program (Python source) that hands out AKR0, AKR1, AKR2 in turn,
# each expiring within the refresh margin, and counts its runs in a file beside it: the
# refresh tests of the client and of the CLI use it alike.
# A credential_process that hands out the next of three keys at each run, counted in `count`
# beside it, valid for argv[1] seconds (default 240: within the refresh margin).
ROTATING_CREDENTIALS_PROCESS = (
    "import json, os, sys, time\n"
    "p = os.path.join(os.path.dirname(__file__), 'count')\n"
    "n = int(open(p).read()) if os.path.exists(p) else 0\n"
    "open(p, 'w').write(str(n + 1))\n"
    "life = int(sys.argv[1]) if len(sys.argv) > 1 else 240\n"
    "exp = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() + life))\n"
    "print(json.dumps({'Version': 1, 'AccessKeyId': 'AKR%d' % (n % 3),"
    " 'SecretAccessKey': 'sk-r', 'Expiration': exp}))\n")


class StreamsServer(harness.ServerProcess):
    what = "test-streams.py"

    def __init__(self, workdir, seed=None, generate=None, keys=None, args=(), name="streams",
                 tls=None):
        """tls: (certificate file, key file) to serve HTTPS."""
        self.workdir = workdir
        self.tls = tls
        self.port_file = os.path.join(workdir, name + ".port")
        self.record_file = os.path.join(workdir, name + ".jsonl")
        self.log_file = os.path.join(workdir, name + ".log")
        cmd = [PYTHON, STREAMS_SCRIPT, "--host", "127.0.0.1", "--port", "0",
               "--port-file", self.port_file, "--record", self.record_file,
               "--region", REGION]
        if seed is not None:
            if isinstance(seed, dict):
                path = os.path.join(workdir, name + "-seed.json")
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(seed, f)
                seed = path
            cmd += ["--seed", seed]
        if generate is not None:
            cmd += ["--generate", str(generate)]
        keys_doc = [{"accessKeyId": k[0], "secretAccessKey": k[1],
                     **({"sessionToken": k[2]} if len(k) > 2 and k[2] is not None else {})}
                    for k in (keys or [(KEY_ID, SECRET)])]
        keys_path = os.path.join(workdir, name + "-keys.json")
        with open(keys_path, "w", encoding="utf-8") as f:
            json.dump(keys_doc, f)
        cmd += ["--keys-file", keys_path] + [str(a) for a in args]
        if tls is not None:
            cmd += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        self.args = cmd
        self.proc = None
        self.port = None
        self._log = None

    def _context(self):
        if self.tls is None:
            return None
        ctx = ssl.create_default_context()
        ctx.check_hostname = False  # the harness's own calls: the client's checks are tested
        ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def healthy(self):
        with urllib.request.urlopen(self.endpoint_url + "/_health", timeout=2,
                                    context=self._context()) as r:
            return r.status == 200

    @property
    def endpoint_url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)

    def calls(self):
        return _read_jsonl(self.record_file)

    def wait_calls(self, count, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            calls = self.calls()
            if len(calls) >= count or time.monotonic() >= deadline:
                return calls
            time.sleep(0.02)

    def _urlopen(self, req):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                             urllib.request.HTTPSHandler(context=self._context()))
        try:
            with opener.open(req, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def control(self, doc):
        req = urllib.request.Request(self.endpoint_url + "/_control",
                                     data=json.dumps(doc).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        status, body = self._urlopen(req)
        if status != 200:
            raise AssertionError("control %r: %s %s" % (doc, status, body))

    def stats(self):
        status, body = self._urlopen(urllib.request.Request(self.endpoint_url + "/_stats"))
        return json.loads(body)

    def post(self, headers, body):
        """A raw POST / (headers as given, body bytes) -> (status, parsed JSON body)."""
        req = urllib.request.Request(self.endpoint_url + "/", data=body, method="POST",
                                     headers=headers)
        status, data = self._urlopen(req)
        return status, json.loads(data) if data else None


# --------------------------------------------------------------------------
# Signature referee
# --------------------------------------------------------------------------

class Resigned:
    def __init__(self, ok, client_signature, botocore_signature, canonical_request,
                 signed_headers):
        self.ok = ok
        self.client_signature = client_signature
        self.botocore_signature = botocore_signature
        self.canonical_request = canonical_request
        self.signed_headers = signed_headers

    def __repr__(self):
        return ("Resigned(ok=%r, client=%s, botocore=%s, signed=%s,\ncanonical request:\n%s)"
                % (self.ok, self.client_signature, self.botocore_signature,
                   self.signed_headers, self.canonical_request))


def _auth_fields(value):
    _, _, rest = value.partition(" ")
    fields = {}
    for part in rest.split(","):
        k, _, v = part.strip().partition("=")
        fields[k] = v
    return fields


def resign(call, secret, region=REGION, service="dynamodb"):
    """Recompute a logged request's signature with botocore (see the module docstring)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    req = call["request"]
    headers = req["headers"]

    def header(name):
        return [v for n, v in headers if n.lower() == name]

    fields = _auth_fields(header("authorization")[0])
    key_id = fields["Credential"].split("/")[0]
    signed = fields["SignedHeaders"].split(";")
    host = header("host")[0]
    token = (header("x-amz-security-token") or [None])[0]
    aws_req = AWSRequest(method=req["method"], url="http://%s%s" % (host, req["path"]),
                         data=req["body"].encode("utf-8"))
    for name in signed:
        if name != "host":
            aws_req.headers[name] = ",".join(header(name))
    aws_req.context["timestamp"] = header("x-amz-date")[0]
    auth = SigV4Auth(Credentials(key_id, secret, token), service, region)
    # headers_to_sign() takes every header present (and host from the URL), so only the
    # client's signed headers were copied: botocore signs exactly the same list.
    canonical = auth.canonical_request(aws_req)
    signature = auth.signature(auth.string_to_sign(aws_req, canonical), aws_req)
    return Resigned(signature == fields["Signature"], fields["Signature"], signature,
                    canonical, fields["SignedHeaders"])


def sign_request(body, op, endpoint_url, key_id=KEY_ID, secret=SECRET, token=None,
                 region=REGION):
    """Headers and body for POST endpoint_url/, signed now by botocore's SigV4Auth."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    aws_req = AWSRequest(method="POST", url=endpoint_url + "/", data=data,
                         headers={"Content-Type": "application/x-amz-json-1.0",
                                  "X-Amz-Target": TARGET_PREFIX + op})
    SigV4Auth(Credentials(key_id, secret, token), "dynamodb", region).add_auth(aws_req)
    return dict(aws_req.headers.items()), data
