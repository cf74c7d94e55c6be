"""Chain integration tests on a tree of overlordd processes (stdlib only).

    tree_test.py OVERLORDD AJSIM TMP SCENARIO

Scenarios:
  forward   7 nodes (main -> alpha -> {bravo, charlie -> delta},
            main -> echo -> foxtrot): discovery, every forwarded endpoint
            compared with the node's own answer, the reference error
            envelopes, depth limit, a reference (Python-like) node.
  failures  the same tree: a killed node (smart timeouts, probing
            recovery), a black-holed node (deadline, no second timeout).
  cycle     a -> b -> a: the cycle is reported, nothing loops.
  tls       main -> alpha -> bravo over HTTPS with a test CA; a chain
            without the CA fails verification.
  heartbeat polling.heartbeat hides a dead child without traffic and shows
            it again when it returns.
Prints "ok: <what>" per check and "rc: 0" at the end.
"""
import http.server
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from odtree import BlackHole, Tree, free_port, walk  # noqa: E402

OVERLORDD, AJSIM, TMP, SCENARIO = sys.argv[1:5]
OVERLORDC = sys.argv[5] if len(sys.argv) > 5 else None

SPEC = [("main", None, ["all"]),
        ("alpha", "main", ["desktop"]),
        ("bravo", "alpha", ["db-only"]),
        ("charlie", "alpha", ["vm-only"]),
        ("delta", "charlie", ["db-only", "desktop"]),
        ("echo", "main", ["all"]),
        ("foxtrot", "echo", ["db-only"])]

FAST = """autodisable:
  failures: 1
  interval: 60
"""
# Few, quick retries so failure tests stay short.
CHAIN_FAST = "retry:\n  total: 1\n  backoff_factor: 0.05\nread_timeout: 3"


def check(cond, what, detail=None):
    if not cond:
        print("FAIL: " + what)
        if detail is not None:
            print(json.dumps(detail, indent=1, sort_keys=True)[:3000])
        sys.exit(1)
    print("ok: " + what)


def innermost(b):
    """The first failing hop's envelope (following `cause`)."""
    while isinstance(b, dict) and isinstance(b.get("cause"), dict) and \
            "error" in b["cause"]:
        b = b["cause"]
    return b


def timed(fn):
    t = time.time()
    r = fn()
    return r, time.time() - t


class RefHandler(http.server.BaseHTTPRequestHandler):
    """Answers like a reference (Python) node: labels, chains, ping; 404
    `Resource not found.` for overlordd's own paths."""
    labels = ["legacy"]

    def log_message(self, *a):
        pass

    def _send(self, status, obj):
        body = json.dumps(dict({"status_code": status}, **obj)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        # An unexpected status for a HEAD: the reference client's APIError.
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        p = self.path.split("?")[0].rstrip("/")
        if p == "/v1/jails":
            body = b"<html>not json</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if p == "/v1/labels":
            return self._send(200, {"labels": self.labels})
        if p == "/v1/chains":
            return self._send(200, {"chains": []})
        if p == "/v1/ping":
            return self._send(200, {"status": "OK"})
        self._send(404, {"message": "Resource not found."})


def scenario_forward():
    t = Tree(TMP, OVERLORDD, AJSIM, SPEC, extra=FAST)
    ref = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RefHandler)
    threading.Thread(target=ref.serve_forever, daemon=True).start()
    t.extra_chains["foxtrot"] = [("legacy", "http://127.0.0.1:%d" %
                                  ref.server_address[1], "x")]
    t.start()
    try:
        main = t["main"]
        (s, b), secs = timed(lambda: main.request("GET", "/v1/tree"))
        check(s == 200, "GET /v1/tree answers 200", b)
        nodes = dict(walk(b["tree"]))
        want = {"": ["all"], "alpha": ["desktop"], "alpha.bravo": ["db-only"],
                "alpha.charlie": ["vm-only"],
                "alpha.charlie.delta": ["db-only", "desktop"],
                "echo": ["all"], "echo.foxtrot": ["db-only"],
                "echo.foxtrot.legacy": ["legacy"]}
        check(nodes == want, "discovery finds every node with its labels "
              "(7 overlordd + 1 reference node)", nodes)
        ids = set()

        def collect(o):
            if "node_id" in o:
                ids.add(o["node_id"])
            for c in o.get("chains", []):
                if "tree" in c:
                    collect(c["tree"])
        collect(b["tree"])
        check(len(ids) == 7, "every overlordd node has its own node_id")
        leg = b["tree"]["chains"][1]["tree"]["chains"][0]["tree"]["chains"][0]
        check(leg.get("tree", {}).get("reference") is True,
              "a reference node is walked the reference way", leg)
        print("discovery: %d nodes in %.0f ms" % (len(nodes), secs * 1000),
              file=sys.stderr)

        s, b = main.request("GET", "/v1/tree?depth=1")
        kids = b["tree"]["chains"][0]["tree"]["chains"]
        check(all(k.get("truncated") for k in kids),
              "depth=1 stops below the first level", b)
        s, b = main.request("GET", "/v1/chain/alpha.charlie/tree")
        check(s == 200 and dict(walk(b["tree"])) ==
              {"": ["vm-only"], "delta": ["db-only", "desktop"]},
              "GET /v1/chain/alpha.charlie/tree is charlie's subtree", b)

        # Every reference endpoint through two hops equals the node's own
        # answer (delta's), member for member.
        delta = t["delta"]
        C = "/v1/chain/alpha.charlie.delta"
        s, _ = delta.request("POST", "/v1/metadata/conf", {"value": "a: 1\n"})
        check(s == 201, "metadata created on delta")
        for path in ["ping", "labels", "chains", "jails", "jails/logs", "stats",
                     "projects", "projects/logs", "metadata", "metadata/conf",
                     "namespace"]:
            s1, b1 = main.request("GET", C + "/" + path)
            s2, b2 = delta.request("GET", "/v1/" + path)
            check(s1 == s2 == 200 and b1 == b2,
                  "GET %s forwarded as delta answers it" % path, [b1, b2])
        for path in ["metadata/conf", "project/info/nope", "jail/info/nope"]:
            s1, _ = main.request("HEAD", C + "/" + path)
            s2, _ = delta.request("HEAD", "/v1/" + path)
            check(s1 == s2, "HEAD %s forwarded (%d)" % (path, s1))
        # Writes: create-or-update, as the reference's chain handlers.
        s, b = main.request("POST", C + "/metadata/conf", {"value": "a: 2\n"})
        check(s == 200 and "updated" in b["message"],
              "POST metadata through a chain updates an existing key", b)
        s, b = main.request("PUT", C + "/metadata/other", {"value": "z"})
        check(s == 200 and "created" in b["message"],
              "PUT metadata through a chain creates a missing key", b)
        check(delta.request("GET", "/v1/metadata/conf")[1]["metadata"] ==
              "a: 2\n", "the write reached delta")
        s, b = main.request("DELETE", C + "/metadata/other")
        check(s == 204 and b is None, "DELETE metadata through a chain: 204")
        s, b = main.request("POST", C + "/namespace/ns1",
                            {"mapping": [{"file": "conf:etc/conf.yml"}]})
        check(s == 200, "namespace created through a chain", b)
        s, b = main.request("GET", C + "/namespace/ns1")
        check(s == 200 and b["namespace"], "namespace read through a chain", b)
        check(main.request("DELETE", C + "/namespace/ns1")[0] == 204,
              "namespace deleted through a chain")
        # Jobs.
        director = "services:\n  web:\n    makejail: " \
                   "gh+AppJail-makejails/nginx\n"
        s, b = main.request("POST", C + "/project/up/web",
                            {"director_file": director})
        check(s == 200 and isinstance(b.get("job_id"), int),
              "project up through a chain returns delta's job id", b)
        j = delta.wait_job(b["job_id"])
        check(j["job"]["project"] == "web", "the job ran on delta", j)
        s, b = main.request("GET", C + "/jobs/%d" % b["job_id"])
        check(s == 200 and b["job"] == j["job"],
              "GET jobs/{id} is passed through a chain", b)
        s1, b1 = main.request("GET", C + "/project/info/web")
        s2, b2 = delta.request("GET", "/v1/project/info/web")
        check(s1 == s2 == 200 and b1["info"]["name"] == b2["info"]["name"],
              "project info forwarded", [b1, b2])
        check(j["job"]["status"] == "completed", "the project is up on delta",
              j)
        jails = delta.request("GET", "/v1/jails")[1]["jails"]
        check(len(jails) == 1, "delta runs one jail", jails)
        for item in ["stats", "info", "cpuset", "devfs", "expose",
                     "healthcheck", "limits", "fstab", "labels", "nat",
                     "volumes"]:
            s1, b1 = main.request("GET", C + "/jail/%s/%s" % (item, jails[0]))
            s2, b2 = delta.request("GET", "/v1/jail/%s/%s" % (item, jails[0]))
            check(s1 == s2 == 200 and b1 == b2,
                  "GET jail/%s forwarded as delta answers it" % item, [b1, b2])
        s1, b1 = main.request("HEAD", C + "/jail/info/" + jails[0])
        check(s1 == 200, "HEAD jail/info of a running jail forwarded")
        logs = delta.request("GET", "/v1/projects/logs")[1]["logs"]
        date = sorted(logs)[0]
        svc = sorted(logs[date])[0]
        path = "projects/log/%s/%s/%s" % (date, svc, logs[date][svc][0])
        s1, b1 = main.request("GET", C + "/" + path)
        s2, b2 = delta.request("GET", "/v1/" + path)
        check(s1 == s2 == 200 and b1 == b2,
              "GET projects/log/... forwarded as delta answers it", [b1, b2])
        s, b = main.request("POST", C + "/vm/webvm", {"makejail": "x"})
        check(s == 400 and "template" in b["message"],
              "a VM profile is checked on the first hop", b)
        for path in ["project/autoscale/web", "vm/webvm",
                     "jail/info/nosuchjail", "project/info/nosuch"]:
            s1, b1 = main.request("GET", C + "/" + path)
            s2, b2 = delta.request("GET", "/v1/" + path)
            check(s1 == s2 == 404 and innermost(b1)["cause"] == b2,
                  "GET %s: delta's 404 kept under the envelope" % path,
                  [b1, b2])
        s, b = main.request("POST", C + "/project/up/web", {})
        check(s == 400 and b["message"] ==
              "`director_file` is required but hasn't been specified.",
              "arguments are checked on the first hop", b)
        s, b = main.request("POST", C + "/project/down/web", {"force": True})
        check(s == 200 and "job_id" in b, "project down through a chain", b)
        delta.wait_job(b["job_id"])

        # The reference's error envelopes.
        s, b = main.request("GET", "/v1/chain/zulu/labels")
        check((s, b) == (404, {"status_code": 404, "message":
                               "Next entrypoint 'zulu' cannot be found."}),
              "unknown next entrypoint: 404 with the reference message", b)
        s, b = main.request("GET", "/v1/chain/alpha..x/labels")
        check(s == 400, "a malformed chain path is refused", b)
        s, b = main.request("GET", C + "/metadata/missing")
        check(s == 404 and b["function"] == "metadata_get" and
              b["entrypoint"] == "alpha" and b["chain"] == "charlie.delta" and
              b["error"] == "HTTPStatusError" and
              b["message"].startswith("Client error '404 Not Found' for url "
                                      "'http://127.0.0.1:") and
              b["message"].endswith("/v1/chain/charlie.delta/metadata/"
                                    "missing'\nFor more information check: "
                                    "https://developer.mozilla.org/en-US/docs"
                                    "/Web/HTTP/Status/404") and
              list(b)[:6] == ["status_code", "function", "entrypoint", "chain",
                              "error", "message"],
              "downstream 404: the reference envelope, status propagated", b)
        inner = b["cause"]["cause"]["cause"]
        check(inner == {"status_code": 404,
                        "message": "Metadata cannot be found."},
              "the first hop's answer is kept under `cause`", b)
        s, b = main.request("DELETE", C + "/metadata/missing")
        check(s == 404 and b["function"] == "metadata_delete",
              "DELETE of a missing key through a chain: 404 envelope", b)
        s, b = main.request("GET", C + "/vm/nosuchvm")
        check(s == 404 and b["function"] == "get_status_vm",
              "vm status through a chain: 404 envelope", b)
        L = "/v1/chain/echo.foxtrot.legacy"
        s, b = main.request("GET", L + "/jails")
        inner = innermost(b)
        check(s == 503 and inner["error"] == "JSONDecodeError" and
              inner["function"] == "get_jails" and
              inner["entrypoint"] == "legacy",
              "a 200 answer that is not JSON: 503 JSONDecodeError envelope", b)
        s, b = main.request("HEAD", L + "/metadata/conf")
        check(s == 503 and b is None,
              "HEAD answered 500 further down: 503 (the reference's APIError)")
        s, b = main.request("POST", L + "/metadata/conf", {"value": "x"})
        inner = innermost(b)
        check(s == 503 and inner["error"] == "APIError" and
              inner["message"].startswith("Error 5") and
              inner["function"] == "metadata_set",
              "an upsert whose HEAD fails: 503 APIError envelope", b)
        s, b = main.request("GET", "/v1/chain/alpha/labels", token="bad")
        check(s == 401, "the first hop authenticates the caller", b)
        s, b = main.request("GET", "/v1/chains")
        check(b["chains"] == ["alpha", "echo"], "GET /v1/chains lists children")
    finally:
        t.stop()
        ref.shutdown()


def scenario_failures():
    hole = BlackHole()
    t = Tree(TMP, OVERLORDD, AJSIM, SPEC, extra=FAST, chain_extra=CHAIN_FAST)
    t.extra_chains["echo"] = [
        ("hole", "http://127.0.0.1:%d" % hole.port, "x"),
        ("slow", "http://127.0.0.1:%d" % hole.port, "x",
         "read_timeout: 1\nretry:\n  total: 0")]
    t.start()
    try:
        main = t["main"]
        C = "/v1/chain/alpha.charlie.delta"
        check(main.request("GET", C + "/ping")[0] == 200, "delta reachable")
        (s, b), secs = timed(
            lambda: main.request("GET", "/v1/chain/echo.slow/labels"))
        inner = innermost(b)
        check(s == 503 and inner["error"] == "ReadTimeout" and
              inner["function"] == "get_api_labels" and
              inner["entrypoint"] == "slow" and 0.9 < secs < 4,
              "a node that never answers: 503 ReadTimeout envelope after "
              "read_timeout", b)
        # A black-holed node: discovery still answers within its deadline.
        (s, b), secs = timed(
            lambda: main.request("GET", "/v1/tree?deadline_ms=1500"))
        echo = [c for c in b["tree"]["chains"] if c["name"] == "echo"][0]
        holes = [c for c in echo["tree"]["chains"] if c["name"] == "hole"]
        check(s == 200 and secs < 2.5 and holes and "error" in holes[0] and
              holes[0]["error"]["status"] == 503,
              "discovery answers within its deadline with a black-holed "
              "node reported", b)
        check(dict(walk(b["tree"])).get("echo.foxtrot") == ["db-only"],
              "the rest of the tree is still discovered")
        # Smart timeouts: the failed call disabled the hole; the next call
        # is refused at once instead of waiting again.
        (s, b), secs = timed(
            lambda: main.request("GET", "/v1/chain/echo.hole/labels"))
        check(s == 503 and secs < 0.5 and
              innermost(b)["error"] == "UnavailableChain",
              "a disabled chain is refused without a timeout (%.3f s)" % secs,
              b)
        # Kill delta: one failure disables it (failures: 1), later calls are
        # refused at once, /v1/chains hides it.
        port = t["delta"].port
        t["delta"].kill9()
        (s, b), secs = timed(lambda: main.request("GET", C + "/labels"))
        check(s == 503 and b["error"] == "HTTPStatusError" and
              innermost(b)["error"] == "ConnectError" and
              innermost(b)["entrypoint"] == "delta",
              "a killed node: 503 envelope naming the ConnectError", b)
        (s, b), secs2 = timed(lambda: main.request("GET", C + "/labels"))
        check(s == 503 and innermost(b)["error"] == "UnavailableChain" and
              secs2 < 0.5,
              "the next call is refused at once (%.3f s)" % secs2, b)
        s, b = main.request("GET", "/v1/chain/alpha.charlie/chains")
        check(b["chains"] == [], "the disabled chain is hidden from "
              "GET chains", b)
        s, b = main.request("GET", "/v1/tree")
        ch = b["tree"]["chains"][0]["tree"]["chains"][1]["tree"]["chains"]
        check(ch and ch[0]["name"] == "delta" and
              ch[0]["error"]["error"] == "UnavailableChain",
              "discovery reports the disabled chain explicitly", ch)
        # Steady traffic must not keep it disabled: it comes back on the
        # same port and the probe re-enables it within seconds, far sooner
        # than interval + increase (60 s).
        t.restart("delta")
        deadline = time.time() + 10
        ok = False
        while time.time() < deadline:
            if main.request("GET", C + "/labels")[0] == 200:
                ok = True
                break
            time.sleep(0.2)
        check(ok, "a disabled chain under steady traffic recovers once it "
              "answers (probe)")
        check(t["delta"].port == port, "delta came back on the same port")
        s, _, text = main.raw("GET", "/metrics", headers={
            "Authentication": "Bearer " + main.token()})
        text = text.decode()
        check(s == 200 and 'overlord_chain_probes_total{kind="recovery"}' in
              text and 'overlord_chain_disabled{chain="alpha"} 0' in text,
              "chain health is exported in /metrics")
    finally:
        t.stop()
        hole.close()


def scenario_cycle():
    pa, pb = free_port(), free_port()
    spec = [("a", None, ["all"]), ("b", None, ["desktop"])]
    t = Tree(TMP, OVERLORDD, AJSIM, spec, ports={"a": pa, "b": pb})
    t.nodes["a"] = t.make("a", {})
    t.nodes["b"] = t.make("b", {})
    t.extra_chains["a"] = [("b", "http://127.0.0.1:%d" % pb,
                            t.nodes["b"].token())]
    t.extra_chains["b"] = [("a", "http://127.0.0.1:%d" % pa,
                            t.nodes["a"].token())]
    t.nodes["a"] = t.make("a", {})
    t.nodes["b"] = t.make("b", {})
    t.start_node("b")
    t.start_node("a")
    try:
        (s, b), secs = timed(lambda: t["a"].request("GET", "/v1/tree"))
        sub = b["tree"]["chains"][0]
        back = sub["tree"]["chains"][0]
        check(s == 200 and back["name"] == "a" and
              back["error"]["error"] == "ChainCycle" and
              back["error"]["status"] == 508,
              "a cycle in the configuration is reported, not followed", b)
        check(secs < 2, "the cycle costs no timeout (%.3f s)" % secs)
        s, b = t["a"].request("GET", "/v1/chain/b.a.b.a/labels")
        check(s == 200 and b["labels"] == ["all"],
              "an explicit chain path around the cycle still forwards "
              "(it is finite)", b)
    finally:
        t.stop()


def scenario_tls():
    spec = SPEC[:3]
    t = Tree(TMP, OVERLORDD, AJSIM, spec, tls=True)
    t.start()
    try:
        s, b = t["main"].request("GET", "/v1/tree")
        check(s == 200 and dict(walk(b["tree"])) ==
              {"": ["all"], "alpha": ["desktop"], "alpha.bravo": ["db-only"]},
              "discovery over HTTPS chains with the test CA", b)
        s, b = t["main"].request("GET", "/v1/chain/alpha.bravo/ping")
        check(s == 200 and b["status"] == "OK", "forwarding over HTTPS")
        check(t.url("alpha").startswith("https://"), "chains use https")
    finally:
        t.stop()
    # Without the CA the certificate is refused.
    t2 = Tree(TMP + "-nocacert", OVERLORDD, AJSIM, spec, tls=True,
              extra=FAST, chain_extra=CHAIN_FAST)
    orig = t2._chains_config
    t2._chains_config = lambda n, tok: orig(n, tok).replace(
        "    cacert: %s\n" % t2.ca, "")
    t2.start()
    try:
        s, b = t2["main"].request("GET", "/v1/chain/alpha/ping")
        check(s == 503 and b["error"] == "ConnectError" and
              "certificate" in b["message"].lower(),
              "a chain without the CA fails certificate verification", b)
    finally:
        t2.stop()


def scenario_heartbeat():
    spec = [("main", None, ["all"]), ("alpha", "main", ["desktop"])]
    t = Tree(TMP, OVERLORDD, AJSIM, spec, chain_extra=CHAIN_FAST,
             heartbeat=1)
    t.start()
    try:
        main = t["main"]
        check(main.request("GET", "/v1/chains")[1]["chains"] == ["alpha"],
              "alpha listed while healthy")
        t["alpha"].kill9()
        ok = main.wait_for(
            lambda: main.request("GET", "/v1/chains")[1]["chains"] == [],
            timeout=10, what="heartbeat to hide alpha")
        check(ok, "the heartbeat hides a dead child without any request")
        t.restart("alpha")
        ok = main.wait_for(
            lambda: main.request("GET", "/v1/chains")[1]["chains"] ==
            ["alpha"], timeout=10, what="heartbeat to show alpha")
        check(ok, "and shows it again when it answers")
    finally:
        t.stop()


def overlordc(*args):
    import subprocess
    env = dict(os.environ, OVERLORD_PLAN_KEY="chain-test-key")
    r = subprocess.run([OVERLORDC, *args], capture_output=True, text=True,
                       env=env, timeout=120, cwd=TMP)
    return r.returncode, r.stdout, r.stderr


def scenario_apply():
    """overlordc against the real tree: discovery, deploy by labels through
    the chains, get-info across the tree, destroy."""
    t = Tree(TMP, OVERLORDD, AJSIM, SPEC)
    t.start()
    try:
        main = t["main"]
        dep = os.path.join(TMP, "web.yml")
        with open(dep, "w") as f:
            f.write("""kind: directorProject
datacenters:
  main:
    entrypoint: http://127.0.0.1:%d
    access_token: %s
deployIn:
  labels: [db-only]
projectName: web
projectFile: |
  services:
    web:
      makejail: gh+AppJail-makejails/nginx
""" % (main.port, main.token()))
        rc, out, err = overlordc("get-info", "-f", dep, "-t", "chains:tree")
        check(rc == 0 and "alpha" in out and "delta" in out and
              "foxtrot" in out, "get-info -t chains:tree draws the live tree",
              [out, err])
        print(out.rstrip())
        rc, out, err = overlordc("apply", "-f", dep, "--wait",
                                 "--timeout", "60")
        check(rc == 0, "apply --wait through the chains exits 0", [out, err])
        targets = sorted(l.split(":")[0] for l in out.splitlines()
                         if "COMPLETED" in l)
        check(targets == ["main.alpha.bravo", "main.alpha.charlie.delta",
                          "main.echo.foxtrot"],
              "deployed exactly on the db-only nodes, each COMPLETED",
              [out, err])
        for n in ("bravo", "delta", "foxtrot"):
            check(t[n].request("GET", "/v1/projects")[1]["projects"] ==
                  ["web"], "web runs on " + n)
        for n in ("main", "alpha", "charlie", "echo"):
            check(t[n].request("GET", "/v1/projects")[1]["projects"] == [],
                  "nothing deployed on " + n)
        rc, out, err = overlordc("get-info", "-f", dep, "-t", "projects")
        check(rc == 0 and out.count("web:") == 3 and
              "chain: alpha.charlie.delta" in out,
              "get-info -t projects reads every target through its chain",
              [out, err])
        rc, out, err = overlordc("destroy", "-f", dep, "--filter-chain",
                                 "alpha.bravo")
        check(rc == 0, "destroy --filter-chain alpha.bravo", [out, err])
        t["bravo"].wait_for(
            lambda: t["bravo"].request("GET", "/v1/projects")[1]["projects"]
            == [], timeout=20, what="web gone from bravo")
        check(t["delta"].request("GET", "/v1/projects")[1]["projects"] ==
              ["web"], "the filter kept the other targets")
    finally:
        t.stop()


def scenario_autoscale_apply():
    """A deployment with autoScale applied with overlordc: the root becomes
    the autoscaler and places the replicas on the labelled nodes below it;
    get-info -t autoscale shows its status; destroy hands the replicas to the
    autoscaler's cleanup."""
    spec = [("main", None, ["all", "scaler"]), ("alpha", "main", ["web"]),
            ("bravo", "alpha", ["web"])]
    t = Tree(TMP, OVERLORDD, AJSIM, spec)
    make = t.make

    def fast_autoscale(n, tokens):
        node = make(n, tokens)
        text = open(node.config).read().replace(
            "polling:\n", "polling:\n  autoscale: 1\n  skew: [0, 0]\n", 1)
        open(node.config, "w").write(text)
        return node
    t.make = fast_autoscale
    t.start()
    try:
        main = t["main"]
        dep = os.path.join(TMP, "web.yml")
        with open(dep, "w") as f:
            f.write("""kind: directorProject
datacenters:
  main:
    entrypoint: http://127.0.0.1:%d
    access_token: %s
deployIn:
  labels: [scaler]
projectName: web
projectFile: |
  services:
    web:
      makejail: gh+AppJail-makejails/nginx
autoScale:
  replicas:
    min: 2
  labels: [web]
""" % (main.port, main.token()))
        rc, out, err = overlordc("apply", "-f", dep)
        check(rc == 0, "apply registers the autoscaled project", [out, err])
        s, b = main.request("HEAD", "/v1/metadata/overlord.autoscale.web")
        check(s == 200, "the registration is on the root only")
        check(t["alpha"].request("HEAD",
                                 "/v1/metadata/overlord.autoscale.web")[0]
              == 404, "and not on the replicas' nodes")
        up = lambda n: t[n].request("GET", "/v1/projects")[1]["projects"]
        main.wait_for(lambda: up("alpha") == ["web"] and up("bravo") ==
                      ["web"], timeout=30, what="two replicas")
        check(up("main") == [], "two replicas on the web nodes, none on the "
              "autoscaler")
        rc, out, err = overlordc("get-info", "-f", dep, "-t", "autoscale",
                                 "--filter", "web")
        check(rc == 0 and "autoScale:" in out and "operation:" in out,
              "get-info -t autoscale shows the autoscaler's status",
              [out, err])
        rc, out, err = overlordc("destroy", "-f", dep)
        check(rc == 0, "destroy of an autoscaled project", [out, err])
        main.wait_for(lambda: up("alpha") == [] and up("bravo") == [],
                      timeout=30, what="replicas destroyed")
        main.wait_for(lambda: main.request(
            "HEAD", "/v1/metadata/overlord.autoscale.web")[0] == 404,
            timeout=30, what="registration removed")
        check(True, "the cleanup destroyed every replica and removed the "
              "registration")
    finally:
        t.stop()


{"apply": scenario_apply,
 "autoscale-apply": scenario_autoscale_apply,
 "forward": scenario_forward, "failures": scenario_failures,
 "cycle": scenario_cycle, "tls": scenario_tls,
 "heartbeat": scenario_heartbeat}[SCENARIO]()
print("rc: 0")
