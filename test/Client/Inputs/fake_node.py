#!/usr/bin/env python3
"""fake_node.py MODE [--log FILE] [--tree FILE] [--reference] -- CMD...: a
tiny stand-in for an overlordd node (or a whole tree of them), for
overlordc's client-side tests. Serves on 127.0.0.1 (free port), sets
ENTRYPOINT=http://127.0.0.1:<port> and TOKEN for CMD, runs CMD, passes its
output and exit code through, then stops. Requests are appended to FILE as
'METHOD PATH auth=<Authentication header> body=<body>'; the first line
written after CMD ends is 'max-inflight-plan=N', the largest number of
POST .../plan requests the server was answering at once.

Modes: ok (canned answers shaped like overlordd's), 500 (every request
answers 500 with a JSON message), nonjson (200 with an HTML body),
badlabels (labels is not a list, in /v1/labels and /v1/tree), reject (POST /v1/plan answers 400 with
diagnostics), slowjob (jobs stay RUNNING), failjob (jobs end FAILED).

--tree FILE: the nodes reachable as chains, a JSON object
  {"labels": [...], "applied": {project: digest}, "delay": seconds before
   answering POST plan, "nostats": true, "fail_plan": true,
   "chains": {"alpha": {...same...},
              "bravo": {"down": true},            # 503 through the chain
              "loop": {"alias": "alpha"},         # the node at that path
              "x": {"error": {...}}, "y": {"truncated": true}}}  # only in /v1/tree
Requests for /v1/chain/<a.b>/<rest> are answered as node a.b answers
/v1/<rest>. Without --tree there is one node, labels [all, desktop].
PUT /fake/tree with such an object replaces the tree (a test changes the
cluster between two commands).
--reference: every node answers 404 to /v1/tree, /v1/plan and /v1/jobs, as
a reference (Python) node does."""
import http.server, json, os, socket, subprocess, sys, threading, time

mode = sys.argv[1]
args = sys.argv[2:]
log = None
tree = {"labels": ["all", "desktop"]}
reference = False
while args and args[0] != "--":
    if args[0] == "--log":
        log, args = args[1], args[2:]
    elif args[0] == "--tree":
        with open(args[1]) as f:
            tree = json.load(f)
        args = args[2:]
    elif args[0] == "--reference":
        reference, args = True, args[1:]
    else:
        sys.exit("fake_node.py: unknown option " + args[0])
assert args[0] == "--"
cmd = args[1:]
polls = {}
lock = threading.Lock()
inflight = [0, 0]  # current, maximum POST plan requests

PROJECT_INFO = {
    "name": "web", "state": "DONE", "last_log": "2025-04-24_10h15m02s",
    "locked": False,
    "services": [{"name": "web", "status": 0, "jail": "3c3a9b2e6f"}],
    "up": {"operation": "COMPLETED", "last_update": 462.41, "job_id": 7,
           "output": {"rc": 0, "stdout": {"errlevel": 0, "failed": []},
                      "stderr": "line one\nline two\n"},
           "labels": {"error": False, "message": None,
                      "skydns": {"web": {"error": True, "message": "etcd down"}}},
           "restarted": False},
    "down": {},
}

def resolve(path):
    """The node at a dotted chain path, following aliases; an error tuple
    (status, body) when it cannot be reached."""
    node, walked = tree, []
    for seg in path.split(".") if path else []:
        child = node.get("chains", {}).get(seg)
        if child is None:
            return None, (404, {"status_code": 404,
                                "message": f"Next entrypoint '{seg}' cannot be found."})
        walked.append(seg)
        if child.get("alias") is not None:
            child, _ = resolve(child["alias"])
        if child.get("down") or "error" in child or child.get("truncated"):
            return None, (503, {"status_code": 503, "function": "call",
                                "entrypoint": seg, "chain": ".".join(walked),
                                "error": "ConnectError",
                                "message": "All connection attempts failed"})
        node = child
    return node, None

def tree_of(node, depth=0):
    out = {"node_id": "%032x" % id(node), "labels": node.get("labels", ["all"]),
           "applied": node.get("applied", {}), "chains": []}
    if mode == "badlabels":
        out["labels"] = "all"
    for name, child in node.get("chains", {}).items():
        if child.get("down"):
            out["chains"].append({"name": name, "error": {
                "status": 503, "error": "ConnectError",
                "message": "All connection attempts failed"}})
        elif child.get("alias") is not None:
            out["chains"].append({"name": name, "error": {
                "status": 508, "error": "ChainCycle",
                "message": "node main.%s is already on the path" % (child["alias"] or "<root>")}})
        elif "error" in child:
            out["chains"].append({"name": name, "error": child["error"]})
        elif child.get("truncated"):
            out["chains"].append({"name": name, "truncated": True})
        else:
            out["chains"].append({"name": name, "tree": tree_of(child, depth + 1)})
    return out

def answer(method, path, body):
    global tree
    if path == "/fake/tree" and method == "PUT":
        tree = json.loads(body)
        return 200, {"status_code": 200}
    if mode == "500":
        return 500, {"status_code": 500, "message": "boom"}
    if mode == "nonjson":
        return 200, "<html>oops</html>"
    chain = ""
    if path.startswith("/v1/chain/"):
        chain, _, rest = path[len("/v1/chain/"):].partition("/")
        path = "/v1/" + rest
    node, err = resolve(chain)
    if err:
        return err
    if reference and (path == "/v1/tree" or path == "/v1/plan" or path.startswith("/v1/jobs")):
        return 404, {"status_code": 404, "message": "Resource not found."}
    if path == "/v1/tree":
        return 200, {"status_code": 200, "tree": tree_of(node)}
    if path == "/v1/chains":
        return 200, {"status_code": 200, "chains": list(node.get("chains", {}))}
    if path == "/v1/stats":
        stats = {} if node.get("nostats") else {"memoryuse": 2097152 * (1 + len(chain)), "maxproc": 5, "pcpu": 7}
        return 200, {"status_code": 200, "stats": stats}
    if path == "/v1/labels":
        if mode == "badlabels":
            return 200, {"status_code": 200, "labels": "all"}
        return 200, {"status_code": 200, "labels": node.get("labels", ["all"])}
    if path == "/v1/plan" and method == "POST":
        if mode == "reject" or node.get("fail_plan"):
            return 400, {"status_code": 400, "message": "the plan has errors",
                         "diagnostics": [{"line": 3, "column": 5, "severity": "error",
                                          "kind": "PlanUnknownOp", "message": "unknown op 'x'"}]}
        with lock:
            inflight[0] += 1
            inflight[1] = max(inflight)
        time.sleep(node.get("delay", 0))
        with lock:
            inflight[0] -= 1
        req = json.loads(body)
        results, job = [], 7
        for line in req["plan"].splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in ("project.up", "vm.create"):
                results.append({"op": words[0], "symbol": words[1].strip('"'), "job_id": job})
                job += 1
            elif len(words) >= 2 and words[0] in ("metadata.put", "namespace.create"):
                results.append({"op": words[0], "symbol": words[1].strip('"'), "result": "created"})
        return 200, {"status_code": 200, "target": "main", "results": results}
    if path.startswith("/v1/jobs/"):
        with lock:
            key = chain + path
            n = polls[key] = polls.get(key, 0) + 1
        op = "RUNNING" if mode == "slowjob" else ["QUEUED", "RUNNING", "RUNNING", "COMPLETED"][min(n, 4) - 1]
        if mode == "failjob" and op == "COMPLETED":
            op = "FAILED"
        status = {"operation": op, "last_update": 1.0, "job_id": int(path.split("/")[-1])}
        if op == "FAILED":
            status["output"] = {"rc": 1, "stdout": "", "stderr": "makejail failed\nmore\n"}
        return 200, {"status_code": 200, "job": status, "status": status}
    if path.startswith("/v1/project/down/") or path.startswith("/v1/project/cancel/"):
        return 200, {"status_code": 200, "job_id": 11}
    if path.startswith("/v1/metadata/overlord.autoscale"):
        return 404, {"status_code": 404, "message": "Metadata cannot be found."}
    if method == "DELETE":
        return 204, None
    if path == "/v1/jails":
        return 200, {"status_code": 200, "jails": ["web", "db"]}
    if path.startswith("/v1/projects/log/") or path.startswith("/v1/jail/log/"):
        return 200, {"status_code": 200, "log_content": "log of " + (chain + ":" if chain else "") + path}
    if path.startswith("/v1/jail/"):
        item, jail = path.split("/")[3], path.split("/")[4]
        data = {
            "stats": {"memoryuse": 1048576, "maxproc": 12, "readbps": 1536, "pcpu": 3},
            "info": {"name": jail, "status": "UP", "dirty": None},
            "cpuset": "0-1", "devfs": {}, "expose": [{"hport": "8080", "enabled": "1", "nro": "0"}],
            "healthcheck": [], "limits": [], "fstab": [], "labels": [{"name": "overlord.skydns", "value": "1"}],
            "nat": [], "volumes": [],
        }[item]
        if jail == "db" and item == "cpuset":
            data = None
        return 200, {"status_code": 200, item: data}
    if path == "/v1/projects":
        return 200, {"status_code": 200, "projects": ["web", "gone"]}
    if path == "/v1/project/info/web":
        return 200, {"status_code": 200, "info": PROJECT_INFO}
    if path.startswith("/v1/project/info/") or path.startswith("/v1/vm/nothere"):
        return 404, {"status_code": 404, "message": "Project cannot be found."}
    if path == "/v1/metadata":
        return 200, {"status_code": 200, "metadata": ["tor.config", "other", "multi"]}
    if path.startswith("/v1/metadata/"):
        key = path.split("/")[3]
        value = {"multi": "a\nb\n", "other": "x"}.get(key, "SocksPort 9050\n")
        return 200, {"status_code": 200, "metadata": value}
    if path == "/v1/namespace":
        return 200, {"status_code": 200, "namespaces": ["ns1"]}
    if path.startswith("/v1/namespace/"):
        return 200, {"status_code": 200, "namespace": [
            {"directory": "/n/ns1/etc", "owner": 0, "group": 0, "mode": 0o40755},
            {"file": "/n/ns1/etc/x.conf", "owner": 0, "group": 0, "mode": 0o100644}]}
    if path == "/v1/projects/logs":
        return 200, {"status_code": 200, "logs": {"2025-04-24_10h15m02s": {"web": ["makejail.log", "start.log"]}}}
    if path == "/v1/jails/logs":
        return 200, {"status_code": 200, "logs": {"jails": {"web": {"console": ["2025-04-24.log"]}}}}
    if path == "/v1/project/autoscale/web":
        return 200, {"status_code": 200, "status": {"last_update": 3725.5, "operation": "COMPLETED",
                                                    "logs": ["scaled up", {"node": "a"}]}}
    if path == "/v1/vm/vm1":
        return 200, {"status_code": 200, "status": {"operation": "COMPLETED", "last_update": 90061,
                                                    "output": "line 1\nline 2\n", "job_id": 3}}
    return 404, {"message": "Not Found"}

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def setup(self):
        super().setup()
        # Headers and body go out in two writes: no delayed-ACK stalls.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def log_message(self, *a):
        pass
    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        if log:
            with lock, open(log, "a") as f:
                f.write(f"{self.command} {self.path} auth={self.headers.get('Authentication')} body={body}\n")
        status, data = answer(self.command, self.path, body)
        out = b"" if data is None else (data if isinstance(data, str) else json.dumps(data)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)
    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
env = dict(os.environ, ENTRYPOINT=f"http://127.0.0.1:{server.server_address[1]}", TOKEN="tok123")
try:
    rc = subprocess.run(cmd, env=env, timeout=60).returncode
finally:
    server.shutdown()
    if log:
        with open(log, "a") as f:
            f.write(f"max-inflight-plan={inflight[1]}\n")
sys.exit(rc)
