# Usage: python tests/protocol_stub.py REMOTE_PORT SEKOIA_PORT [LOG_FILE]
"""Tiny stub: plays the remote API (port A) and the Sekoia playbook/intake API (port B).
Prints every request (method, path, Authorization, body) to stdout and appends it as JSON to a log file."""
import json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[3] if len(sys.argv) > 3 else "/tmp/testhttp-protocol-stub.jsonl"
ENTRIES = [{"id": 1, "value": "a", "timestamp": 1700000000}, {"id": 2, "value": "b", "timestamp": 1700000001}]
lock = threading.Lock()

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def _handle(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            body = json.loads(raw) if raw else None
        except Exception:
            body = raw.decode(errors="replace")
        rec = {"t": time.time(), "port": self.server.server_address[1], "method": self.command, "path": self.path,
               "authorization": self.headers.get("Authorization"), "user_agent": self.headers.get("User-Agent"),
               "content_type": self.headers.get("Content-Type"), "body": body}
        with lock:
            print(json.dumps(rec), flush=True)
            with open(LOG, "a") as f:
                f.write(json.dumps(rec) + "\n")
        p = self.path.split("?")[0]
        status, out = 200, {}
        if p == "/callback" and self.command == "PATCH" and isinstance(body, dict) and body.get("need_secrets"):
            out = {"module_configuration": {"value": {"api_key": "secret-from-stub"}}}
        elif p == "/secrets":
            out = {"value": {"api_key": "secret-from-stub"}}
        elif p == "/batch":
            out = {"event_ids": [f"ev-{i}" for i in range(len((body or {}).get("jsons", [])))]}
        elif p in ("/entries", "/posts"):
            out = ENTRIES
        elif p == "/x":
            out = {"hello": "world"}
        elif p == "/notfound":
            status, out = 404, {"error": "nope"}
        data = json.dumps(out).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

for port in (int(sys.argv[1]), int(sys.argv[2])):
    s = ThreadingHTTPServer(("127.0.0.1", port), H)
    threading.Thread(target=s.serve_forever, daemon=True).start()
print(f"stub listening on {sys.argv[1]} and {sys.argv[2]}", flush=True)
threading.Event().wait()
