"""Memory stays bounded by the largest record, not by the input.

Each input shape (one {"Records":[...]} document, NDJSON, concatenated get-records pages) is
streamed through a pipe from scripts/gen-batch.py: 200,000 records, about 186 MB, six times
the 32 MB bound the memory rule sets for any input. A tool that held the document (or the records,
or their results) would pass that bound several times over. scripts/bench.sh --memory makes
the same check with 1 GB inputs; this one runs on every CI build, sanitized ones included
(AddressSanitizer's own overhead stays well under the bound at this size).
"""
import os
import subprocess
import sys
import unittest

import harness

RECORDS = 200000
LIMIT_KB = 32 * 1024
TIME = "/usr/bin/time"  # Debian's package time; scripts/setup.sh installs it


class MemoryTest(harness.IntegrationTestCase):

    def stream(self, shape):
        """Pipes a generated batch into `a2a-recover -n -q -`; returns (rc, stdout, want, KB)."""
        expected = self.path("expected-%s.json" % shape)
        out_path = self.path("out-%s.json" % shape)
        rss_path = self.path("rss-%s" % shape)
        gen = subprocess.Popen([harness.PYTHON, harness.GEN_BATCH_SCRIPT, "--records",
                                str(RECORDS), "--seed", "5", "--shape", shape,
                                "--expected", expected], stdout=subprocess.PIPE)
        # GNU time, not os.wait4(): a child forked from Python starts out with Python's
        # peak RSS on its books (Linux keeps the high-water mark across exec).
        with open(out_path, "wb") as out, open(self.path("err"), "wb") as err:
            tool = subprocess.Popen([TIME, "-f", "%M", "-o", rss_path, harness.BIN, "-n", "-q",
                                     "-"], stdin=gen.stdout, stdout=out, stderr=err,
                                    env=harness.tool_env())
        gen.stdout.close()
        rc = tool.wait(timeout=300)
        self.assertEqual(gen.wait(timeout=120), 0, "gen-batch.py failed")
        with open(out_path) as f, open(expected) as g, open(rss_path) as r:
            return rc, f.read(), g.read(), int(r.read().split()[-1])

    def test_every_shape_streams_in_bounded_memory(self):
        self.assertTrue(os.access(TIME, os.X_OK), "%s missing: scripts/setup.sh installs it" % TIME)
        for shape in ("lambda", "ndjson", "pages"):
            with self.subTest(shape=shape):
                rc, out, want, peak_kb = self.stream(shape)
                print("\n%s: %d records through a pipe, peak RSS %d KB" % (shape, RECORDS,
                                                                           peak_kb),
                      file=sys.stderr)
                self.assertLess(peak_kb, LIMIT_KB, "%s: peak RSS %d KB" % (shape, peak_kb))
                self.assertEqual(rc, 1, "malformed records are listed: exit 1")
                self.assertEqual(out.strip(), want.strip())


if __name__ == "__main__":
    unittest.main()
