#!/usr/bin/env python3
"""fake_node.py MODE [--log FILE] -- CMD...: a tiny stand-in for an overlordd
node, for overlordc's client-side tests. Serves on 127.0.0.1 (free port),
sets ENTRYPOINT=http://127.0.0.1:<port> and TOKEN for CMD, runs CMD, passes
its output and exit code through, then stops. Requests are appended to FILE
as 'METHOD PATH auth=<Authentication header> body=<body>'.

Modes: ok (canned answers shaped like overlordd's), 500 (every request
answers 500 with a JSON message), nonjson (200 with an HTML body),
badlabels (labels is not a list), reject (POST /v1/plan answers 400 with
diagnostics), slowjob (jobs stay RUNNING), failjob (jobs end FAILED)."""
import http.server, json, os, subprocess, sys, threading

mode = sys.argv[1]
args = sys.argv[2:]
log = None
if args[:1] == ["--log"]:
    log, args = args[1], args[2:]
assert args[0] == "--"
cmd = args[1:]
polls = {}
lock = threading.Lock()

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

def answer(method, path, body):
    if mode == "500":
        return 500, {"status_code": 500, "message": "boom"}
    if mode == "nonjson":
        return 200, "<html>oops</html>"
    if path == "/v1/labels":
        if mode == "badlabels":
            return 200, {"status_code": 200, "labels": "all"}
        return 200, {"status_code": 200, "labels": ["all", "desktop"]}
    if path == "/v1/plan" and method == "POST":
        if mode == "reject":
            return 400, {"status_code": 400, "message": "the plan has errors",
                         "diagnostics": [{"line": 3, "column": 5, "severity": "error",
                                          "kind": "PlanUnknownOp", "message": "unknown op 'x'"}]}
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
            n = polls[path] = polls.get(path, 0) + 1
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
        return 200, {"status_code": 200, "log_content": "log of " + path}
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
    if path.startswith("/v1/projects/log/") or path.startswith("/v1/jail/log/"):
        return 200, {"status_code": 200, "log_content": "log of " + path}
    if path == "/v1/project/autoscale/web":
        return 200, {"status_code": 200, "status": {"last_update": 3725.5, "operation": "COMPLETED",
                                                    "logs": ["scaled up", {"node": "a"}]}}
    if path == "/v1/vm/vm1":
        return 200, {"status_code": 200, "status": {"operation": "COMPLETED", "last_update": 90061,
                                                    "output": "line 1\nline 2\n", "job_id": 3}}
    return 404, {"message": "Not Found"}

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
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
sys.exit(rc)
