#!/usr/bin/env python3
"""Run a command and write its CPU time and peak RSS, like /usr/bin/time but
with microsecond resolution (GNU time prints %U/%S in hundredths of a second,
too coarse for a 10,000-record dry run that takes ~10 ms).

    rusage.py OUTFILE CMD [ARG...]

stdin, stdout and stderr are the command's.  OUTFILE gets one line:
"<max RSS KB> <user s> <system s>"; the exit status is the command's
(128 + N when it was killed by signal N).
"""

import os
import sys


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    out, cmd = argv[0], argv[1:]
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        except OSError as e:
            sys.stderr.write("rusage.py: %s: %s\n" % (cmd[0], e.strerror))
        os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    with open(out, "w") as f:
        f.write("%d %.6f %.6f\n" % (ru.ru_maxrss, ru.ru_utime, ru.ru_stime))
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
