"""The live part of scripts/demo.sh: one overlordd node on a free loopback
port, AppJail and Director simulated by ajsim (docs/Simulator.md), and the
overlordc client commands against it: apply the tor example (its metadata
first) with --wait, get-info, then destroy. Prints what a user would see.

usage: demo_node.py BUILD_DIR EXAMPLES_DIR CORPUS_DIR
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "Engine", "Inputs"))
from odnode import Node  # noqa: E402


def main():
    build, examples, corpus = sys.argv[1:4]
    overlordc = os.path.join(build, "bin", "overlordc")
    with tempfile.TemporaryDirectory() as tmp, \
            Node(os.path.join(tmp, "node"), os.path.join(build, "bin", "overlordd"),
                 os.path.join(build, "bin", "ajsim"), polling=6,
                 labels=("all", "desktop")) as n:
        if os.path.isdir(os.path.join(corpus, "makejails")):
            n.install_makejail_fixtures(corpus)
        n.start()
        print("overlordd listening on 127.0.0.1:%d (AppJail simulated)" % n.port)
        env = dict(os.environ, ENTRYPOINT="http://127.0.0.1:%d" % n.port,
                   TOKEN=n.token())
        rc = 0
        for args in (["apply", "-f", "tor-metadata.yml", "--wait"],
                     ["apply", "-f", "tor.yml", "--wait"],
                     ["get-info", "-f", "tor.yml", "-t", "projects"],
                     ["destroy", "-f", "tor.yml", "--wait"]):
            print("$ overlordc " + " ".join(args), flush=True)
            r = subprocess.run([overlordc, *args], cwd=examples, env=env)
            rc = rc or r.returncode
        return rc


sys.exit(main())
