# Baseline runner for CPython: one process per function instance, one request at a time, in the style of
# OpenWhisk's action proxy. POST /init {"dir","module","entry","name"} loads the function; POST /run with the event
# JSON as body answers the result JSON (200) or {"error":{"type","message"}} (502). Usage: python3 runner.py PORT_FILE
import http.server
import importlib
import json
import os
import sys
import threading
import time

state = {"fn": None, "name": "function"}


class Context:
    def __init__(self, name):
        self.function_name = name
        self.aws_request_id = str(time.time_ns())
        self._deadline = time.monotonic() + 60

    def get_remaining_time_in_millis(self):
        return int((self._deadline - time.monotonic()) * 1000)


def call(fn, event, name):
    argc = fn.__code__.co_argcount if hasattr(fn, "__code__") else 2
    return fn(event, Context(name)) if argc >= 2 else fn(event)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        try:
            if self.path == "/init":
                init = json.loads(body)
                state["name"] = init["name"]
                sys.path.insert(0, init["dir"])
                module = importlib.import_module(init["module"].replace("/", "."))
                fn = getattr(module, init["entry"], None)
                if not callable(fn):
                    exported = [n for n in dir(module) if callable(getattr(module, n)) and not n.startswith("_")]
                    raise LookupError("Handler '%s' not found in %s.py; exported: %s" % (init["entry"], init["module"], exported))
                state["fn"] = fn
                self.reply(200, {"ok": True})
            elif self.path == "/run":
                event = json.loads(body) if body else {}
                self.reply(200, call(state["fn"], event, state["name"]))
            else:
                self.reply(404, {"error": {"type": "NotFound", "message": self.path}})
        except Exception as e:  # the function's error, reported to the server
            self.reply(502, {"error": {"type": type(e).__name__, "message": str(e)}})

    def reply(self, status, value):
        data = json.dumps(value).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


# Threads only so that a new connection is not stuck behind an idle kept-alive one: the server sends one request
# at a time to an instance.
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])


def watch_parent(parent=os.getppid()):
    # Ends with the server that started it, however that one ended.
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


threading.Thread(target=watch_parent, daemon=True).start()
server.serve_forever()
