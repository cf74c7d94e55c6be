#!/usr/bin/env python3
# ===- dpapi-sim.py - Test-only HAProxy Data Plane API v3 subset ----------=== #
#
# Debian ships haproxy but not dataplaneapi. This stand-in serves the part of
# the Data Plane API v3 that overlordd's load-balancer label uses
# (docs/LabelHooks.md) and applies committed changes to a REAL haproxy
# through its runtime API (stats socket, `add server`/`set server`/
# `del server`), so a test can check `show servers state` of the running
# haproxy. It is a test tool only, never part of the product.
#
# Usage:
#   dpapi-sim.py --socket /tmp/haproxy.sock --user admin --password secret \
#                --port-file /tmp/dpapi.port [--log /tmp/dpapi.log]
#
# It listens on 127.0.0.1 on an ephemeral port and writes "PORT\n" to
# --port-file once it accepts connections. --log receives one line per
# request: "METHOD /path?query STATUS".
#
# Endpoints (all under /v3/services/haproxy, HTTP basic auth):
#   GET    /configuration/version                       -> 200 N
#   GET    /configuration/backends/{b}                  -> 200 | 404
#   GET    /configuration/backends/{b}/servers          -> 200 [..] | 404
#   GET    /configuration/backends/{b}/servers/{s}      -> 200 | 404
#   POST   /configuration/backends/{b}/servers?transaction_id=T   -> 202
#   PUT    /configuration/backends/{b}/servers/{s}?transaction_id=T -> 202
#   DELETE /configuration/backends/{b}/servers/{s}?transaction_id=T -> 202
#   (without transaction_id the change is applied at once: 201/200/204)
#   POST   /transactions?version=N   -> 201 {"id", "status", "_version"}; 409 on mismatch
#   GET    /transactions             -> 200 [open and failed ones]
#   GET    /transactions/{id}        -> 200 | 404
#   PUT    /transactions/{id}        -> 200 (applied, version+1) | 406 (haproxy refused)
#   DELETE /transactions/{id}        -> 204 | 404
# ===----------------------------------------------------------------------=== #
import argparse
import base64
import http.server
import json
import os
import socket
import sys
import threading
import urllib.parse
import uuid

SERVER_FIELDS = {"name", "address", "port", "weight", "check", "maxconn", "inter"}


class HAProxy:
    """The runtime API of one haproxy (stats socket, level admin)."""

    def __init__(self, path):
        self.path = path

    def command(self, line):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(self.path)
            s.sendall((line + "\n").encode())
            out = b""
            while True:
                data = s.recv(65536)
                if not data:
                    break
                out += data
        return out.decode(errors="replace").strip()

    def backends(self):
        lines = self.command("show backend").splitlines()
        return [l.strip() for l in lines if l.strip() and not l.startswith("#")]

    def servers(self, backend):
        """name -> {"address", "port", "weight"} from `show servers state`."""
        text = self.command("show servers state " + backend)
        lines = text.splitlines()
        header = None
        result = {}
        for line in lines:
            if line.startswith("# "):
                header = line[2:].split()
                continue
            if header is None or not line.strip() or line.strip() == "1":
                continue
            fields = dict(zip(header, line.split()))
            if fields.get("be_name") != backend:
                continue
            result[fields["srv_name"]] = {
                "address": fields["srv_addr"],
                "port": int(fields["srv_port"]),
                "weight": int(fields["srv_uweight"]),
            }
        return result


class Failure(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class State:
    def __init__(self, haproxy):
        self.haproxy = haproxy
        self.lock = threading.Lock()
        self.version = 1
        self.transactions = {}
        self.extras = {}  # (backend, server) -> fields haproxy does not show

    # -- views -------------------------------------------------------------
    def require_backend(self, backend):
        if backend not in self.haproxy.backends():
            raise Failure(404, "missing object: backend %s not found" % backend)

    def server_view(self, backend, name, servers):
        s = servers[name]
        view = {"name": name, "address": s["address"], "port": s["port"],
                "weight": s["weight"]}
        view.update(self.extras.get((backend, name), {}))
        return view

    def pending_servers(self, backend, txid):
        """The servers of backend as the transaction would leave them."""
        servers = {n: dict(v) for n, v in self.haproxy.servers(backend).items()}
        if txid is not None:
            for op in self.transaction(txid)["operations"]:
                if op["backend"] != backend:
                    continue
                if op["op"] == "delete":
                    servers.pop(op["name"], None)
                else:
                    servers[op["name"]] = {"address": op["body"]["address"],
                                           "port": op["body"]["port"],
                                           "weight": op["body"].get("weight", 1)}
        return servers

    def transaction(self, txid):
        tx = self.transactions.get(txid)
        if tx is None:
            raise Failure(404, "transaction %s not found" % txid)
        if tx["status"] != "in_progress":
            raise Failure(406, "transaction %s is %s" % (txid, tx["status"]))
        return tx

    # -- changes -----------------------------------------------------------
    @staticmethod
    def check_body(body, name=None):
        if not isinstance(body, dict):
            raise Failure(400, "the body must be a JSON object")
        unknown = sorted(set(body) - SERVER_FIELDS)
        if unknown:
            raise Failure(422, "unknown field(s): " + ", ".join(unknown))
        if not isinstance(body.get("name"), str) or not body["name"]:
            raise Failure(422, "name is required")
        if name is not None and body["name"] != name:
            raise Failure(422, "name in the body does not match the path")
        if not isinstance(body.get("address"), str) or not body["address"]:
            raise Failure(422, "address is required")
        port = body.get("port")
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
            raise Failure(422, "port must be an integer in 1-65535")
        for key in ("weight", "maxconn", "inter"):
            if key in body and (not isinstance(body[key], int) or isinstance(body[key], bool)):
                raise Failure(422, "%s must be an integer" % key)
        if "check" in body and body["check"] not in ("enabled", "disabled"):
            raise Failure(422, "check must be 'enabled' or 'disabled'")

    def runtime(self, line, expect=""):
        out = self.haproxy.command(line)
        if expect and expect not in out:
            raise Failure(406, "haproxy refused '%s': %s" % (line, out))
        if not expect and out:
            raise Failure(406, "haproxy refused '%s': %s" % (line, out))

    def apply(self, op):
        b, n, body = op["backend"], op["name"], op.get("body")
        ref = "%s/%s" % (b, n)
        if op["op"] == "add":
            addr = body["address"]
            if ":" in addr:
                addr = "ipv6@" + addr
            words = ["add server", ref, "%s:%d" % (addr, body["port"])]
            if "weight" in body:
                words += ["weight", str(body["weight"])]
            if "maxconn" in body:
                words += ["maxconn", str(body["maxconn"])]
            if "inter" in body:
                words += ["inter", "%dms" % body["inter"]]
            if body.get("check") == "enabled":
                words.append("check")
            self.runtime(" ".join(words), "New server registered.")
            self.runtime("enable server " + ref)
            if body.get("check") == "enabled":
                self.runtime("enable health " + ref)
            self.extras[(b, n)] = {k: body[k] for k in ("check", "maxconn", "inter") if k in body}
        elif op["op"] == "replace":
            old = self.extras.get((b, n), {})
            if body.get("check", "disabled") != old.get("check", "disabled"):
                raise Failure(406, "'check' cannot be changed on a running server")
            self.runtime("set server %s addr %s port %d" % (ref, body["address"], body["port"]),
                         "changed")
            if "weight" in body:
                self.runtime("set server %s weight %d" % (ref, body["weight"]))
            if "maxconn" in body:
                self.runtime("set maxconn server %s %d" % (ref, body["maxconn"]))
            self.extras[(b, n)] = {k: body[k] for k in ("check", "maxconn", "inter") if k in body}
        elif op["op"] == "delete":
            self.runtime("disable server " + ref)
            self.runtime("del server " + ref, "Server deleted.")
            self.extras.pop((b, n), None)

    def change(self, op, txid):
        """Validates op against the (pending) state; queues or applies it."""
        self.require_backend(op["backend"])
        servers = self.pending_servers(op["backend"], txid)
        exists = op["name"] in servers
        if op["op"] == "add" and exists:
            raise Failure(409, "server %s already exists" % op["name"])
        if op["op"] in ("replace", "delete") and not exists:
            raise Failure(404, "server %s not found" % op["name"])
        if txid is not None:
            self.transaction(txid)["operations"].append(op)
            return 202
        self.apply(op)
        self.version += 1
        return {"add": 201, "replace": 200, "delete": 204}[op["op"]]

    def commit(self, txid):
        tx = self.transaction(txid)
        if tx["_version"] != self.version:
            tx["status"] = "outdated"
            raise Failure(406, "version mismatch: transaction %d, configuration %d"
                          % (tx["_version"], self.version))
        try:
            for op in tx["operations"]:
                self.apply(op)
        except Failure:
            tx["status"] = "failed"
            raise
        tx["status"] = "success"
        self.version += 1
        # As dataplaneapi: a committed transaction is no longer listed; a
        # failed one stays (status "failed") until it is deleted.
        del self.transactions[txid]
        return tx


def make_handler(state, user, password, log):
    auth = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    prefix = "/v3/services/haproxy"

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def reply(self, code, body=None):
            data = b"" if body is None else (json.dumps(body) + "\n").encode()
            self.send_response(code)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            if code == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="dataplaneapi"')
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            if log:
                with open(log, "a") as f:
                    f.write("%s %s %d\n" % (self.command, self.path, code))

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw or b"null")
            except ValueError:
                raise Failure(400, "the body is not JSON")

        def handle_any(self):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if self.headers.get("Authorization") != auth:
                # Drain the body so the connection stays usable.
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                return self.reply(401, {"code": 401, "message": "unauthorized"})
            path = urllib.parse.unquote(url.path)
            if not path.startswith(prefix + "/"):
                return self.reply(404, {"code": 404, "message": "not found"})
            parts = path[len(prefix) + 1:].rstrip("/").split("/")
            try:
                with state.lock:
                    code, body = self.route(self.command, parts, query)
            except Failure as f:
                code, body = f.code, {"code": f.code, "message": f.message}
            except (OSError, ValueError) as e:
                code, body = 500, {"code": 500, "message": str(e)}
            self.reply(code, body)

        def route(self, method, p, q):
            txid = q.get("transaction_id")
            if p == ["configuration", "version"] and method == "GET":
                return 200, state.version
            if p == ["transactions"]:
                if method == "GET":
                    return 200, list(state.transactions.values())
                if method == "POST":
                    try:
                        version = int(q.get("version", ""))
                    except ValueError:
                        raise Failure(400, "version is required")
                    if version != state.version:
                        raise Failure(409, "version mismatch: %d != %d" % (version, state.version))
                    tx = {"id": str(uuid.uuid4()), "status": "in_progress",
                          "_version": version, "operations": []}
                    state.transactions[tx["id"]] = tx
                    return 201, tx
            if len(p) == 2 and p[0] == "transactions":
                tx = state.transactions.get(p[1])
                if tx is None:
                    raise Failure(404, "transaction %s not found" % p[1])
                if method == "GET":
                    return 200, tx
                if method == "DELETE":
                    del state.transactions[p[1]]
                    return 204, None
                if method == "PUT":
                    return 200, state.commit(p[1])
            if len(p) >= 3 and p[:2] == ["configuration", "backends"]:
                backend = p[2]
                if len(p) == 3 and method == "GET":
                    state.require_backend(backend)
                    return 200, {"name": backend}
                if len(p) == 4 and p[3] == "servers":
                    state.require_backend(backend)
                    if method == "GET":
                        servers = state.pending_servers(backend, txid)
                        return 200, [state.server_view(backend, n, servers) for n in sorted(servers)]
                    if method == "POST":
                        body = self.body()
                        State.check_body(body)
                        op = {"op": "add", "backend": backend, "name": body["name"], "body": body}
                        return state.change(op, txid), body
                if len(p) == 5 and p[3] == "servers":
                    name = p[4]
                    if method == "GET":
                        state.require_backend(backend)
                        servers = state.pending_servers(backend, txid)
                        if name not in servers:
                            raise Failure(404, "server %s not found" % name)
                        return 200, state.server_view(backend, name, servers)
                    if method == "PUT":
                        body = self.body()
                        State.check_body(body, name)
                        op = {"op": "replace", "backend": backend, "name": name, "body": body}
                        return state.change(op, txid), body
                    if method == "DELETE":
                        op = {"op": "delete", "backend": backend, "name": name}
                        code = state.change(op, txid)
                        return code, None
            raise Failure(404 if method in ("GET", "DELETE") else 405,
                          "%s %s is not implemented" % (method, "/".join(p)))

        do_GET = do_POST = do_PUT = do_DELETE = handle_any

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--socket", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    args = ap.parse_args()
    state = State(HAProxy(args.socket))
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), make_handler(state, args.user, args.password, args.log))
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
