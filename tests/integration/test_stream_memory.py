"""1,000,000 records read from scripts/test-streams.py with a2a-recover --stream --dry-run, in
bounded memory: under 16 MB, the target for any input.  The stream is one closed shard of
gen-batch's records (--generate), 1,000 a page: 1,000 GetRecords calls back to back (only an
idle shard's polling is paced).  Loopback only, AWS_* cleared, IMDS disabled.

Peak RSS is measured by GNU time (/usr/bin/time -f %M, Debian package time); without it the
test fails rather than skip.
"""

import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import streams_harness as sh  # noqa: E402

RECORDS = 1000000
# The target for any input (scripts/bench.sh --memory); measured 11,616 KB here: the
# libraries (~9 MB of it), one page's answer buffer, the scanner's 64 KiB chunks and the
# newest 256 KiB of the failure list.
RSS_LIMIT_KB = 16 * 1024
GNU_TIME = "/usr/bin/time"


class StreamMemoryTest(h.IntegrationTestCase):
    def test_million_records_bounded_memory(self):
        self.assertTrue(os.access(GNU_TIME, os.X_OK),
                        "GNU time (Debian package time) is needed to measure peak RSS")
        home = self.path("home")
        os.makedirs(home)
        s = sh.StreamsServer(self.tmp, generate=RECORDS, args=["--no-log-seqs"])
        s.start()
        self.addCleanup(s.stop)
        cmd = [GNU_TIME, "-f", "peak-rss-kb=%M", h.BIN, "-n", "--no-progress",
               "--stream", sh.STREAM_ARN, "--endpoint-url", s.endpoint_url]
        p = subprocess.run(cmd, env=sh.aws_env(home), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=1500)
        err = p.stderr.decode("utf-8", "replace")
        # gen-batch's malformed records are listed: exit 1, and the summary counts them all
        self.assertEqual(p.returncode, 1, err[-3000:])
        self.assertRegex(err, r"dry run: %d records: " % RECORDS)
        self.assertIn("0 of 1 stream range unreadable", err)
        rss = int(re.search(r"peak-rss-kb=(\d+)", err).group(1))
        print("\npeak RSS for %d records through --stream --dry-run: %d KB (limit %d KB)"
              % (RECORDS, rss, RSS_LIMIT_KB), file=sys.stderr)
        self.assertLess(rss, RSS_LIMIT_KB)
        gets = s.stats()["by_op"].get("GetRecords", 0)
        self.assertGreaterEqual(gets, RECORDS // 1000)


if __name__ == "__main__":
    unittest.main()
