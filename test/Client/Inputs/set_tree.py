#!/usr/bin/env python3
"""set_tree.py FILE: replaces the tree of the fake node at $ENTRYPOINT
(fake_node.py) with the JSON object in FILE."""
import os, sys, urllib.request

with open(sys.argv[1], "rb") as f:
    data = f.read()
req = urllib.request.Request(os.environ["ENTRYPOINT"] + "/fake/tree", data=data, method="PUT")
urllib.request.urlopen(req, timeout=10).read()
