#!/usr/bin/env python3
"""Chain benchmarks on a 31-node tree (depth 4, every node two children).

    bench/chains/bench.py [--build build] [--runs 30] [--skip-apply]

Starts 31 overlordd processes on loopback with the AppJail simulator (the
test harness of test/Chain), then measures:

  discovery     one GET /v1/tree on the root (p50/p95/max over --runs)
  reference     the reference client's walk on the same tree: GET chains and
                GET labels per node, one request at a time, through the
                chain paths (what `overlord get-info -t chains` does)
  dead node     one leaf killed: the first discovery, then the next ones
                (smart timeouts refuse the dead chain at once)
  black hole    one extra leaf that accepts connections and never answers:
                discovery with deadline_ms=1000, first and next
  apply         `overlordc apply --wait` of one project to all 31 nodes
                until every target is DONE (skipped with --skip-apply)

Figures go to stdout; bench/chains/README.md records them.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "Chain", "Inputs"))
from odtree import BlackHole, Tree, walk  # noqa: E402


def spec31():
    spec = [("n0", None, ["all", "root"])]
    names = ["n0"]
    i = 1
    for depth in range(1, 5):
        level = [n for n in names if n.count("_") == depth - 1]
        for parent in level:
            for k in range(2):
                name = "%s_%d" % (parent, k)
                spec.append((name, parent, ["all", "d%d" % depth]))
                names.append(name)
                i += 1
    return spec


def ms(xs):
    xs = sorted(xs)
    return "p50 %.1f ms, p95 %.1f ms, max %.1f ms" % (
        statistics.median(xs) * 1000, xs[int(len(xs) * 0.95) - 1] * 1000,
        xs[-1] * 1000)


def timed(fn):
    t = time.perf_counter()
    r = fn()
    return r, time.perf_counter() - t


def reference_walk(root):
    """The reference client's sequential walk: chains then labels per node."""
    out = []

    def chains(prefix):
        path = "/v1/chains" if not prefix else "/v1/chain/%s/chains" % prefix
        s, b = root.request("GET", path)
        return b.get("chains", []) if s == 200 else []

    def labels(prefix):
        path = "/v1/labels" if not prefix else "/v1/chain/%s/labels" % prefix
        return root.request("GET", path)[1].get("labels")

    def visit(prefix):
        out.append((prefix, labels(prefix)))
        for c in chains(prefix):
            visit(c if not prefix else prefix + "." + c)
    visit("")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--skip-apply", action="store_true")
    ap.add_argument("--tmp", default=None,
                    help="where the nodes keep their state (e.g. /dev/shm: "
                    "31 nodes sharing one disk serialise their fsyncs)")
    a = ap.parse_args()
    bindir = os.path.abspath(os.path.join(a.build, "bin"))
    tmp = tempfile.mkdtemp(prefix="overlord-chains-bench-", dir=a.tmp)
    hole = BlackHole()
    spec = spec31()
    extra = "autodisable:\n  failures: 1\n"
    t = Tree(tmp, os.path.join(bindir, "overlordd"),
             os.path.join(bindir, "ajsim"), spec, extra=extra)
    t.extra_chains["n0_1_1_1"] = [("hole", "http://127.0.0.1:%d" % hole.port,
                                   "x")]
    t0 = time.time()
    t.start()
    print("started %d nodes in %.1f s" % (len(spec), time.time() - t0))
    try:
        root = t["n0"]
        root.token()
        # Warm up connections.
        s, b = root.request("GET", "/v1/tree?deadline_ms=1000")
        n = len(list(walk(b["tree"])))
        print("tree nodes discovered: %d" % n)
        runs = []
        for _ in range(a.runs):
            (s, b), secs = timed(
                lambda: root.request("GET", "/v1/tree?deadline_ms=1000"))
            assert s == 200
            runs.append(secs)
        print("discovery (GET /v1/tree, 31 nodes + 1 disabled hole): " +
              ms(runs))
        runs = []
        for _ in range(max(3, a.runs // 5)):
            r, secs = timed(lambda: reference_walk(root))
            runs.append(secs)
        print("reference sequential walk (%d nodes, %d requests): %s" % (
            len(r), 2 * len(r), ms(runs)))
        # A dead node.
        t["n0_0_0_0_0"].kill9()
        (s, b), first = timed(lambda: root.request("GET", "/v1/tree"))
        nexts = []
        for _ in range(10):
            (s, b), secs = timed(lambda: root.request("GET", "/v1/tree"))
            nexts.append(secs)
        print("dead leaf: first discovery %.1f ms, next ones %s" % (
            first * 1000, ms(nexts)))
        if not a.skip_apply:
            dep = os.path.join(tmp, "deploy.yml")
            with open(dep, "w") as f:
                f.write(f"""kind: directorProject
datacenters:
  main:
    entrypoint: http://127.0.0.1:{root.port}
    access_token: {root.token()}
deployIn:
  labels: [all]
projectName: web
projectFile: |
  services:
    web:
      makejail: gh+AppJail-makejails/nginx
""")
            t["n0_0_0_0_0"].start(port=t["n0_0_0_0_0"].port)
            time.sleep(1.5)  # the probe re-enables it
            env = dict(os.environ, OVERLORD_PLAN_KEY="bench")
            times = []
            for i in range(3):
                args = ["apply", "-f", dep, "--wait"] + (["--restart"]
                                                         if i else [])
                r, secs = timed(lambda: subprocess.run(
                    [os.path.join(bindir, "overlordc"), *args],
                    capture_output=True, text=True, env=env, timeout=120))
                done = r.stdout.count(": COMPLETED")
                times.append(secs)
                print("apply%s to all nodes until every target is final: "
                      "%.0f ms, %d COMPLETED (rc %d)" % (
                          " --restart" if i else "", secs * 1000, done,
                          r.returncode))
            if r.returncode != 0:
                print(r.stdout[-2000:], r.stderr[-2000:])
    finally:
        t.stop()
        hole.close()


if __name__ == "__main__":
    main()
