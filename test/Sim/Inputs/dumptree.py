"""Prints every file under a directory (sorted, relative) with its mode and
contents, and every directory, so two simulator state roots can be
compared byte for byte. Paths given after the root are left out."""
import os
import sys

root = sys.argv[1]
skip = set(sys.argv[2:])
for base, dirs, files in os.walk(root):
    dirs.sort()
    rel = os.path.relpath(base, root)
    if rel in skip:
        dirs[:] = []
        continue
    print("dir %s %o" % (rel, os.stat(base).st_mode & 0o7777))
    for f in sorted(files):
        p = os.path.join(rel, f)
        if os.path.normpath(p) in skip:
            continue
        full = os.path.join(base, f)
        with open(full, "rb") as fh:
            data = fh.read()
        print("file %s %o %r" % (os.path.normpath(p),
                                  os.stat(full).st_mode & 0o7777, data))
