"""The live part of scripts/demo.sh: one overlordd node on a free loopback
port, AppJail and Director simulated by ajsim (docs/Simulator.md), and the
overlordc client commands against it: apply the tor example (its metadata
first) with --wait, get-info, then destroy. Then a tree of three nodes
(main -> alpha -> bravo, docs/Chains.md): the tree as overlordc sees it, a
project deployed by label through the chain, and destroyed. Prints what a
user would see.

usage: demo_node.py BUILD_DIR EXAMPLES_DIR CORPUS_DIR
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "Engine", "Inputs"))
sys.path.insert(0, os.path.join(HERE, "..", "test", "Chain", "Inputs"))
from odnode import Node  # noqa: E402
from odtree import Tree  # noqa: E402

TREE_DEPLOYMENT = """kind: directorProject
datacenters:
  main:
    entrypoint: http://127.0.0.1:{port}
    access_token: {token}
deployIn:
  labels: [db-only]
projectName: web
projectFile: |
  services:
    web:
      makejail: gh+AppJail-makejails/nginx
"""


def tree_demo(build, overlordc):
    """main [all] -> alpha [desktop] -> bravo [db-only]."""
    spec = [("main", None, ["all"]), ("alpha", "main", ["desktop"]),
            ("bravo", "alpha", ["db-only"])]
    with tempfile.TemporaryDirectory() as tmp:
        t = Tree(tmp, os.path.join(build, "bin", "overlordd"),
                 os.path.join(build, "bin", "ajsim"), spec)
        try:
            t.start()
            main = t["main"]
            dep = os.path.join(tmp, "web.yml")
            with open(dep, "w") as f:
                f.write(TREE_DEPLOYMENT.format(port=main.port,
                                               token=main.token()))
            print("a tree of three overlordd nodes: main -> alpha -> bravo "
                  "(labels all, desktop, db-only)", flush=True)
            rc = 0
            for args in (["get-info", "-f", "web.yml", "-t", "chains:tree"],
                         ["apply", "-f", "web.yml", "--wait"],
                         ["get-info", "-f", "web.yml", "-t", "projects"],
                         ["destroy", "-f", "web.yml", "--wait"]):
                print("$ overlordc " + " ".join(args), flush=True)
                r = subprocess.run([overlordc, *args], cwd=tmp)
                rc = rc or r.returncode
            return rc
        finally:
            t.stop()


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
    return rc or tree_demo(build, overlordc)


sys.exit(main())
