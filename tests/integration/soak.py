#!/usr/bin/env python3
"""Fault soak for a2a-recover: replay generated batches against the test
dispatcher with injected faults and random SIGTERM/SIGINT, and check the
invariant from the dispatcher's own record of what it received.

Every run:
  * scripts/gen-batch.py writes a Lambda-shaped batch (--records records,
    a different --seed per run: valid INSERTs, MODIFY, REMOVE, malformed);
  * a fresh scripts/test-dispatcher.py serves it with random faults
    (--fail-rate 0.3 --fault-mix 503,reset,delay,429 --delay-ms 1500; the 429s
    carry Retry-After: 1) and half of the tasks seeded (the rest answer
    taskDeleted);
  * a2a-recover runs with --timeout 1 --retries 2 -j 16 --report;
  * in --signal-runs of the runs (default: all) a SIGTERM or SIGINT is sent at
    a random moment: either a random time early in the run, or once the
    dispatcher has recorded a random number of requests (drawn up to a bit
    more than the whole run makes, so some signals arrive after the work is
    done and the run ends normally).

Checks per run (each failed check is a violation):
  * stdout is exactly one line holding {"batchItemFailures":[{"itemIdentifier":
    "<seq>"},...]}, identifiers unique, in input order, all from the input;
  * the exit status is a documented one: 1 (the batch always has malformed
    records) or, after a signal, 130 (SIGINT) / 143 (SIGTERM); never killed;
    the tool stops within STOP_LIMIT seconds of the signal;
  * every valid INSERT that is not listed got a 2xx from the dispatcher that
    the tool can have received (a "delay" fault answers after --delay-ms,
    beyond the tool's --timeout, so such a 2xx does not count);
  * every malformed INSERT is listed; no MODIFY/REMOVE is listed; the
    dispatcher never received a call for anything but a valid INSERT, and
    every call's Idempotency-Key matches its body;
  * the --report lines agree with the response (listed <=> failed outcome),
    one line per record.

Usage:
  A2A_RECOVER_BIN=build/cli/a2a-recover tests/integration/soak.py \\
      [--records 10000] [--runs 20] [--seed 1] [--signal-runs N]
  (scripts/soak.sh sets A2A_RECOVER_BIN for you.)
Exit status 0 when there is no violation, 1 otherwise.
"""

import argparse
import collections
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (shared integration helpers)

STOP_LIMIT = 2.0        # seconds from signal to exit (the shutdown rule asks for ~1 s)
RUN_LIMIT = 600.0       # a run that takes longer than this is a hang
FAILED_OUTCOMES = {"parse_error", "transient", "rejected", "not_attempted", "interrupted",
                   "abandoned"}
ACKED_OUTCOMES = {"acknowledged", "task_deleted"}
REQUEST_MARK = b'{"kind":"request"'


# --------------------------------------------------------------------------
# Input model
# --------------------------------------------------------------------------

class Batch:
    """What the generated batch holds, from the file itself."""

    def __init__(self, path, expected_path):
        with open(path, "rb") as f:
            doc = json.load(f)
        with open(expected_path, "rb") as f:
            expected = json.loads(f.read().decode().strip().splitlines()[-1])
        self.malformed = {x["itemIdentifier"] for x in expected["batchItemFailures"]}
        self.order = []            # SequenceNumbers in input order
        self.kind = {}             # seq -> "insert" | "malformed" | "skip"
        self.key_of = {}           # seq -> (tenant, taskId, eventSequence) of valid INSERTs
        self.seq_of_key = {}       # the reverse
        for rec in doc["Records"]:
            ddb = rec["dynamodb"]
            seq = ddb["SequenceNumber"]
            self.order.append(seq)
            if rec["eventName"] != "INSERT":
                self.kind[seq] = "skip"
            elif seq in self.malformed:
                self.kind[seq] = "malformed"
            else:
                img = ddb["NewImage"]
                key = (img["tenant"]["S"], img["taskId"]["S"], int(img["eventSequence"]["N"]))
                self.kind[seq] = "insert"
                self.key_of[seq] = key
                if key in self.seq_of_key:
                    raise RuntimeError("generator produced a duplicate key %r" % (key,))
                self.seq_of_key[key] = seq
        self.position = {seq: i for i, seq in enumerate(self.order)}
        if len(self.position) != len(self.order):
            raise RuntimeError("generator produced duplicate SequenceNumbers")

    def seed_doc(self, rng):
        """Seed half of the tasks (dispatched), leave the rest unknown (taskDeleted)."""
        tasks = sorted({(t, k) for (t, k, _) in self.key_of.values()})
        chosen = [tk for tk in tasks if rng.random() < 0.5]
        return {"tasks": [{"tenant": t, "taskId": k, "owner": "soak",
                           "pushConfigs": [{"id": "cfg-1",
                                            "url": "http://127.0.0.1:9/hook/%s" % k}]}
                          for t, k in chosen]}


# --------------------------------------------------------------------------
# One run
# --------------------------------------------------------------------------

def count_requests(path, state):
    """Requests recorded so far; reads only what was appended since last time."""
    try:
        with open(path, "rb") as f:
            f.seek(state["offset"])
            data = f.read()
    except FileNotFoundError:
        return 0
    end = data.rfind(b"\n") + 1
    state["offset"] += end
    state["count"] += data[:end].count(REQUEST_MARK)
    return state["count"]


class RunResult:
    def __init__(self):
        self.violations = []
        self.rc = None
        self.signal = None         # signal number sent, or None
        self.signal_late = False   # sent, but the run ended normally
        self.signal_planned = None  # the signal drawn for this run (sent or not)
        self.stop_latency = None
        self.requests = 0
        self.faults = collections.Counter()
        self.acked = 0
        self.listed = 0
        self.records = 0
        self.inserts = 0
        self.elapsed = 0.0
        self.dup_2xx_listed = 0    # listed although a 2xx was recorded (safe)


def plan_signal(rng, inserts, signal_this_run, opts):
    """(signal, mode, value): mode "time" (seconds) or "requests" (count)."""
    if not signal_this_run:
        return None, None, None
    sig = rng.choice(opts.signals)
    if opts.allow_late and rng.random() < 0.1:
        return sig, "time", rng.uniform(0.1, 0.5)     # early: input barely read
    # Retries make a run record ~1.4 requests per valid INSERT; overshoot so
    # that about one signal in five arrives after the run has finished.
    top = 1.75 if opts.allow_late else 0.8
    return sig, "requests", rng.randint(1, max(1, int(inserts * top)))


def check_run(res, batch, stdout, report_lines, requests, delay_beyond_timeout):
    v = res.violations

    # stdout: exactly one JSON line of the documented shape.
    listed = []
    if not stdout.endswith(b"\n") or stdout.count(b"\n") != 1:
        v.append("stdout is not exactly one line: %r" % stdout[:200])
    try:
        resp = json.loads(stdout.decode("utf-8"))
        if not isinstance(resp, dict) or list(resp.keys()) != ["batchItemFailures"]:
            raise ValueError("not {\"batchItemFailures\":[...]}")
        for item in resp["batchItemFailures"]:
            if not isinstance(item, dict) or list(item.keys()) != ["itemIdentifier"] \
                    or not isinstance(item["itemIdentifier"], str):
                raise ValueError("bad item %r" % (item,))
            listed.append(item["itemIdentifier"])
    except (ValueError, UnicodeDecodeError) as e:
        v.append("stdout is not a valid response: %s: %r" % (e, stdout[:200]))
        return
    res.listed = len(listed)
    listed_set = set(listed)
    if len(listed_set) != len(listed):
        v.append("response lists a SequenceNumber twice")
    unknown = [s for s in listed if s not in batch.position]
    if unknown:
        v.append("response lists %d unknown identifiers, e.g. %r" % (len(unknown), unknown[0]))
    positions = [batch.position[s] for s in listed if s in batch.position]
    if positions != sorted(positions):
        v.append("response is not in input order")

    # Exit status.
    rc = res.rc
    if rc in (130, 143):
        want = 128 + res.signal if res.signal else None
        if want != rc:
            v.append("exit %d but the signal sent was %r" % (rc, res.signal))
    elif rc == 1:
        if res.signal is not None:
            res.signal_late = True
        if not listed:
            v.append("exit 1 with an empty response")
    elif rc == 5:
        # fail-fast: a status every call would get, the breaker, or no call answered at all
        if not listed:
            v.append("exit 5 with an empty response")
    elif rc == 0:
        if listed:
            v.append("exit 0 with %d records listed" % len(listed))
        if batch.malformed:
            v.append("exit 0 although the batch holds malformed records")
    else:
        v.append("undocumented exit status %r" % (rc,))

    # What the dispatcher received.
    got_2xx = collections.defaultdict(int)       # key -> 2xx the tool can have read
    got_any_2xx = set()
    for req in requests:
        res.requests += 1
        if req.get("fault"):
            res.faults[req["fault"]] += 1
        key = harness.key_of_request(req)
        if key not in batch.seq_of_key:
            v.append("dispatcher received a call for %r (not a valid INSERT of the batch)"
                     % (key,))
            continue
        idem = req["headers"].get("idempotency-key")
        if idem != harness.idempotency_key(*key):
            v.append("Idempotency-Key %r does not match body %r" % (idem, key))
        status = req.get("status", 0)
        if 200 <= status < 300:
            got_any_2xx.add(key)
            if not (delay_beyond_timeout and req.get("fault") == "delay"):
                got_2xx[key] += 1

    # The invariant, record by record.
    lost = []
    for seq in batch.order:
        kind = batch.kind[seq]
        if kind == "insert":
            res.inserts += 1
            key = batch.key_of[seq]
            if seq in listed_set:
                if key in got_any_2xx:
                    res.dup_2xx_listed += 1
            elif got_2xx[key] == 0:
                lost.append(seq)
            else:
                res.acked += 1
        elif kind == "malformed":
            if seq not in listed_set:
                v.append("malformed INSERT %s not listed" % seq)
        elif seq in listed_set:
            v.append("MODIFY/REMOVE %s listed" % seq)
    if lost:
        v.append("%d valid INSERTs neither listed nor answered 2xx, e.g. %s (key %r)"
                 % (len(lost), lost[0], batch.key_of[lost[0]]))

    # --report agrees with the response.
    if len(report_lines) != len(batch.order):
        v.append("--report has %d lines for %d records" % (len(report_lines), len(batch.order)))
    for line in report_lines:
        seq, outcome = line.get("sequenceNumber"), line.get("outcome")
        if outcome in FAILED_OUTCOMES:
            if seq not in listed_set:
                v.append("report says %s for %s but it is not listed" % (outcome, seq))
        elif outcome in ACKED_OUTCOMES or outcome == "skipped":
            if seq in listed_set:
                v.append("report says %s for %s but it is listed" % (outcome, seq))
            if outcome in ACKED_OUTCOMES and seq in batch.key_of \
                    and got_2xx[batch.key_of[seq]] == 0:
                v.append("report says %s for %s without a 2xx" % (outcome, seq))
        else:
            v.append("report: unknown outcome %r for %s" % (outcome, seq))
        if outcome == "interrupted" and res.rc not in (130, 143):
            v.append("outcome interrupted in a run that exited %r" % (res.rc,))


def one_run(workdir, index, records, seed, signal_this_run, opts, log):
    rng = random.Random("%d/%d" % (seed, index))
    run_seed = rng.randrange(1 << 30)
    res = RunResult()
    os.makedirs(workdir, exist_ok=True)
    batch_path = os.path.join(workdir, "batch.json")
    expected_path = os.path.join(workdir, "expected.json")
    harness.gen_batch(batch_path, records, seed=run_seed, expected=expected_path)
    batch = Batch(batch_path, expected_path)
    res.records = len(batch.order)

    disp = harness.Dispatcher(workdir, seed=batch.seed_doc(rng), fail_rate=opts.fail_rate,
                              fault_mix=opts.fault_mix, delay_ms=opts.delay_ms,
                              random_seed=run_seed)
    disp.start()
    report_path = os.path.join(workdir, "report.ndjson")
    out_path = os.path.join(workdir, "stdout")
    err_path = os.path.join(workdir, "stderr")
    sig, mode, value = plan_signal(rng, len(batch.key_of), signal_this_run, opts)
    res.signal_planned = sig
    args = ["-u", disp.url, "--timeout", str(opts.timeout), "--retries", str(opts.retries),
            "-j", str(opts.jobs), "--report", report_path, "--no-progress", batch_path]
    proc = None
    try:
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            t0 = time.monotonic()
            proc = harness.start_tool(args, stdout=out, stderr=err)
            state = {"offset": 0, "count": 0}
            sent_at = None
            while True:
                if proc.poll() is not None:
                    break
                now = time.monotonic()
                if now - t0 > RUN_LIMIT:
                    proc.kill()
                    proc.wait()
                    res.violations.append("run did not finish within %.0f s" % RUN_LIMIT)
                    break
                if sig is not None and sent_at is None:
                    due = (now - t0 >= value) if mode == "time" else \
                        (count_requests(disp.record_file, state) >= value)
                    if due:
                        proc.send_signal(sig)
                        sent_at = time.monotonic()
                        res.signal = sig
                time.sleep(rng.uniform(0.002, 0.012))
            end = time.monotonic()
            res.rc = proc.returncode
            res.elapsed = end - t0
            if sent_at is not None:
                res.stop_latency = end - sent_at
    finally:
        if proc is not None and proc.poll() is None:  # the soak itself was interrupted
            proc.kill()
            proc.wait()
        disp.stop()

    with open(out_path, "rb") as f:
        stdout = f.read()
    with open(err_path, "rb") as f:
        stderr = f.read()
    if res.rc is not None and res.rc < 0:
        res.violations.append("killed by signal %d" % -res.rc)
    if res.stop_latency is not None and res.rc in (130, 143) and res.stop_latency > STOP_LIMIT:
        res.violations.append("stopped %.2f s after the signal (limit %.1f s)"
                              % (res.stop_latency, STOP_LIMIT))
    for needle in (b"AddressSanitizer", b"runtime error:", b"LeakSanitizer"):
        if needle in stderr:
            res.violations.append("sanitizer report on stderr")
    report = harness.read_jsonl(report_path)
    check_run(res, batch, stdout, report, disp.requests(),
              delay_beyond_timeout=opts.delay_ms > opts.timeout * 1000 + 250)
    sig_name = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT"}.get(res.signal, "-")
    if res.signal is None and res.signal_planned is not None:
        sig_name = "(none: run ended before its moment)"
    log("run %2d: exit %s, signal %-7s%s %5d records, %5d requests, %4d faults, "
        "%5d acked, %5d listed, %.1f s%s, %d violations"
        % (index + 1, res.rc, sig_name, "%-7s" % ("(late)" if res.signal_late else ""),
           res.records, res.requests, sum(res.faults.values()), res.acked, res.listed,
           res.elapsed, "" if res.stop_latency is None or res.signal_late
           else " (stop %.2f s)" % res.stop_latency, len(res.violations)))
    for msg in res.violations[:20]:
        log("    VIOLATION: " + msg)
    if res.violations:
        log("    stderr tail: %r" % stderr[-1500:].decode("utf-8", "replace"))
    return res


# --------------------------------------------------------------------------
# The soak
# --------------------------------------------------------------------------

class Options:
    fail_rate = 0.3
    fault_mix = "503,reset,delay,429"
    delay_ms = 1500
    timeout = 1
    retries = 2
    jobs = 16
    signals = (signal.SIGTERM, signal.SIGINT)
    allow_late = True   # False: every signal lands mid-run (after 1..0.8*INSERTs requests)


def run_soak(records=10000, runs=20, seed=1, signal_runs=None, workdir=None, keep=False,
             log=print, opts=None):
    """Run the soak; returns a summary dict ("violations" is the list of messages)."""
    harness.require_bin()
    opts = opts or Options()
    if signal_runs is None:
        signal_runs = runs
    signal_runs = max(0, min(signal_runs, runs))
    own_dir = workdir is None
    root = tempfile.mkdtemp(prefix="a2a-soak-") if own_dir else workdir
    rng = random.Random(seed)
    signalled = set(rng.sample(range(runs), signal_runs))
    t0 = time.monotonic()
    totals = {"runs": 0, "records": 0, "valid_inserts": 0, "requests": 0,
              "faults": collections.Counter(), "acked": 0, "listed": 0,
              "exits": collections.Counter(), "signals": collections.Counter(),
              "signals_after_completion": 0, "signals_not_sent": 0, "max_stop_latency": 0.0,
              "listed_despite_2xx": 0, "violations": []}
    try:
        for i in range(runs):
            res = one_run(os.path.join(root, "run%03d" % (i + 1)), i, records, seed,
                          i in signalled, opts, log)
            totals["runs"] += 1
            totals["records"] += res.records
            totals["valid_inserts"] += res.inserts
            totals["requests"] += res.requests
            totals["faults"].update(res.faults)
            totals["acked"] += res.acked
            totals["listed"] += res.listed
            totals["exits"][res.rc] += 1
            totals["listed_despite_2xx"] += res.dup_2xx_listed
            if res.signal is None and res.signal_planned is not None:
                totals["signals_not_sent"] += 1
            if res.signal is not None:
                totals["signals"][signal.Signals(res.signal).name] += 1
                totals["signals_after_completion"] += int(res.signal_late)
                if not res.signal_late and res.stop_latency is not None:
                    totals["max_stop_latency"] = max(totals["max_stop_latency"],
                                                     res.stop_latency)
            totals["violations"].extend("run %d: %s" % (i + 1, m) for m in res.violations)
            if not keep and not res.violations:
                shutil.rmtree(os.path.join(root, "run%03d" % (i + 1)), ignore_errors=True)
    finally:
        if own_dir and not keep and not totals["violations"]:
            shutil.rmtree(root, ignore_errors=True)
    totals["elapsed"] = time.monotonic() - t0
    totals["workdir"] = root
    return totals


def format_summary(t):
    faults = sum(t["faults"].values())
    lines = [
        "soak summary",
        "  runs:        %d" % t["runs"],
        "  records:     %d (%d valid INSERTs)" % (t["records"], t["valid_inserts"]),
        "  requests:    %d" % t["requests"],
        "  faults:      %d injected (%s)" % (faults, ", ".join(
            "%s %d" % kv for kv in sorted(t["faults"].items()))),
        "  acked:       %d valid INSERTs acknowledged; %d listed records"
        % (t["acked"], t["listed"]),
        "  listed although a 2xx was recorded (safe duplicates): %d"
        % t["listed_despite_2xx"],
        "  signals:     %s sent (%d arrived after the work was done); "
        "%d runs ended before their signal moment"
        % (", ".join("%s %d" % kv for kv in sorted(t["signals"].items())) or "none",
           t["signals_after_completion"], t["signals_not_sent"]),
        "  max stop latency after a signal: %.2f s" % t["max_stop_latency"],
        "  exits:       %s" % ", ".join("%s x%d" % kv for kv in sorted(
            t["exits"].items(), key=lambda kv: (kv[0] is None, kv[0] or 0))),
        "  elapsed:     %.0f s" % t["elapsed"],
        "  violations:  %d" % len(t["violations"]),
    ]
    lines += ["    " + m for m in t["violations"][:50]]
    if t["violations"]:
        lines.append("  files kept in %s" % t["workdir"])
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description="Fault soak for a2a-recover (see the module doc).")
    p.add_argument("--records", type=int, default=10000, help="records per run (default 10000)")
    p.add_argument("--runs", type=int, default=20, help="number of runs (default 20)")
    p.add_argument("--seed", type=int, default=1, help="master seed (default 1)")
    p.add_argument("--signal-runs", type=int, default=None,
                   help="runs that get a SIGTERM/SIGINT at a random moment (default: all)")
    p.add_argument("--jobs", "-j", type=int, default=Options.jobs,
                   help="a2a-recover -j (default 16)")
    p.add_argument("--workdir", help="keep run files here (default: a temporary directory, "
                                     "removed unless a violation is found)")
    p.add_argument("--keep", action="store_true", help="keep the run files")
    args = p.parse_args(argv)
    if args.records < 1 or args.runs < 1:
        p.error("--records and --runs must be positive")
    if not harness.BIN:
        p.error("set A2A_RECOVER_BIN to the a2a-recover binary (or use scripts/soak.sh)")
    opts = Options()
    opts.jobs = args.jobs

    def log(msg):
        print(msg, flush=True)

    def on_term(signum, frame):  # run the cleanups: stop the tool and the dispatcher
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_term)

    log("soak: %d runs x %d records, seed %d, binary %s"
        % (args.runs, args.records, args.seed, harness.BIN))
    totals = run_soak(args.records, args.runs, args.seed, args.signal_runs,
                      workdir=args.workdir, keep=args.keep, log=log, opts=opts)
    log(format_summary(totals))
    return 0 if not totals["violations"] else 1


if __name__ == "__main__":
    sys.exit(main())
