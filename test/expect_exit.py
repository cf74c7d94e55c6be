#!/usr/bin/env python3
"""expect_exit.py CODE CMD...: runs CMD, passes its output through, and fails
unless it exits with CODE. lit's internal shell has no `$?`."""
import subprocess, sys
want = int(sys.argv[1])
rc = subprocess.call(sys.argv[2:])
if rc != want:
    print(f"expect_exit: '{' '.join(sys.argv[2:])}' exited {rc}, expected {want}", file=sys.stderr)
    sys.exit(1)
