"""overlordd benchmarks (figures only, never pass/fail). See README.md.

usage: bench.py BUILD_DIR [--seconds N] [--io-threads N] [--polling S]
  1. idle RSS after start-up (/proc/PID/status VmRSS)
  2. wrk: authenticated GET /v1/projects, 64 connections, 2 threads
  3. apply -> DONE latency with the simulator's instant commands
  4. durable enqueue rate: wrk POST /v1/project/up, 16 connections
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "Engine", "Inputs"))
from odnode import Node  # noqa: E402


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wrk(n, script, path, conns, seconds):
    env = dict(os.environ, OVERLORD_TOKEN=n.token())
    out = subprocess.run(
        ["wrk", "-t2", "-c%d" % conns, "-d%ds" % seconds, "--latency",
         "-s", os.path.join(HERE, script),
         "http://127.0.0.1:%d%s" % (n.port, path)],
        env=env, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, lat, int(non2xx.group(1)) if non2xx else 0


def main():
    build = sys.argv[1]
    opts = dict(zip(sys.argv[2::2], sys.argv[3::2]))
    seconds = int(opts.get("--seconds", 10))
    io_threads = int(opts.get("--io-threads", 16))
    polling = int(opts.get("--polling", 6))
    od = os.path.join(build, "bin", "overlordd")
    sim = os.path.join(build, "bin", "ajsim")
    with tempfile.TemporaryDirectory() as tmp, \
            Node(os.path.join(tmp, "n"), od, sim, workers=2,
                 io_threads=io_threads, polling=polling,
                 sim_dir=(os.path.join(opts["--sim-dir"], "sim-%d" % os.getpid())
                          if "--sim-dir" in opts else None)) as n:
        # The product's default log level: debug writes a line per request.
        n.start(log_level=opts.get("--log-level", "info"))
        time.sleep(1)
        print("idle RSS after start: %d KiB" % rss_kb(n.proc.pid))
        rps, lat, bad = wrk(n, "auth.lua", "/v1/projects", 64, seconds)
        print("GET /v1/projects, 64 conns: %.0f req/s, p50 %s p90 %s p99 %s, "
              "non-2xx %d" % (rps, lat.get("50"), lat.get("90"), lat.get("99"),
                              bad))
        # apply -> DONE: POST project/up, poll the job until final.
        lats = []
        for i in range(40):
            t0 = time.perf_counter()
            s, b = n.request("POST", "/v1/project/up/lat%d" % i, {
                "director_file": "services:\n  app:\n    makejail: gh+AppJail-makejails/nginx\n"})
            job = b["job_id"]
            while True:
                s, r = n.request("GET", "/v1/jobs/%d" % job)
                if r["job"]["status"] not in ("queued", "running"):
                    break
                time.sleep(0.001)
            lats.append((time.perf_counter() - t0) * 1000)
            assert r["job"]["status"] == "completed", r["job"]
        lats.sort()
        print("apply -> DONE (40 projects): p50 %.1f ms, p90 %.1f ms, max %.1f ms"
              % (statistics.median(lats), lats[int(len(lats) * 0.9)], lats[-1]))
        rps, lat, bad = wrk(n, "enqueue.lua", "/", 16, max(3, seconds // 2))
        print("durable enqueue (POST project/up, 16 conns): %.0f jobs/s, "
              "p50 %s p99 %s, non-2xx %d" % (rps, lat.get("50"), lat.get("99"),
                                              bad))
        print("RSS after the runs: %d KiB" % rss_kb(n.proc.pid))
        n.stop()


main()
