#!/usr/bin/env python3
# The first served calls of functions after a node restart, with several functions on the node (issue 6):
#   bench/restart-first-calls.py DIR ORDER
# Starts a node (port $PORT, default 18741; data in DIR/data), deploys the hot-start bench's JavaScript and Python word
# count and JSON transform (bench/functions; $DEPLOY picks them, default wc-js,json-js,wc-py,json-py) with one
# warmupInputs event each, invokes each $STEADY times (default 400) so that the node saves its steady states, stops it
# and starts it again on the same data (a DIR that already has data skips that part: the saved steady states are then
# the last run's). The restarted node replays towards them before /readyz answers 200. Then it invokes the functions
# of ORDER (comma-separated) in turn, $FIRST times each (default 200), the last one 40 times, and prints per function
# its warm-up (and re-check) and its first served calls' CPU time over the target (the node's firstInvocationsUs).
# Env: HOTVISOR_BUILD_DIR (default target), NODE_OPTS (e.g. "--warm-up-recheck off --engine-option
#      engine.TraceCompilation=true"; node logs in DIR/node-{1,2}.log), PORT, DEPLOY, STEADY, FIRST.
# Results: bench/results/notes-warm-up-recheck.md.
import base64, io, json, os, subprocess, sys, time, urllib.request, zipfile, statistics
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))); F = ROOT + "/bench/functions"
PORT = int(os.environ.get("PORT", "18741")); U = "http://127.0.0.1:%d" % PORT
KEY = "hv_multi-experiment-0123456789abcdef"
D = sys.argv[1]; ORDER = sys.argv[2].split(",")  # functions invoked after the restart, in turn
FIRST = int(os.environ.get("FIRST", "200"))
os.makedirs(D, exist_ok=True)
def req(method, path, body=None, timeout=120):
    r = urllib.request.Request(U + path, method=method, data=None if body is None else json.dumps(body).encode(),
                               headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(r, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
proc = None
def start(tag):
    global proc
    env = dict(os.environ, HOTVISOR_ADMIN_KEY=KEY, HOTVISOR_BUILD_DIR=os.environ.get("HOTVISOR_BUILD_DIR", "target"), HOTVISOR_JAVA_OPTS="-Xmx1g")
    log = open(D + "/node-%s.log" % tag, "w")
    proc = subprocess.Popen([ROOT + "/bin/hotvisor", "node", "--port", str(PORT), "--data-dir", D + "/data",
                             "--cli-config", D + "/cli.json"] + os.environ.get("NODE_OPTS", "").split(), stdout=log, stderr=subprocess.STDOUT, env=env)
    t0 = time.time()
    while True:
        try:
            if req("GET", "/readyz", timeout=5)[0] == 200: return time.time() - t0
        except Exception: pass
        time.sleep(0.2)
def stop():
    proc.terminate(); proc.wait()
def bundle(lang, kind):
    ext = "js" if lang == "js" else "py"; d = "js" if lang == "js" else "python"
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w") as zf:
        zf.write("%s/%s/%s.%s" % (F, d, kind, ext), "%s.%s" % (kind, ext))
        zf.write(F + "/data/" + ("words.js" if kind == "word_count" else "orders.js"), "words.js" if kind == "word_count" else "orders.js")
    return {"language": "javascript" if lang == "js" else "python", "handler": kind + ".main",
            "archive": base64.b64encode(z.getvalue()).decode(), "warmupInputs": [{"seed": 42}], "timeoutMs": 30000}
FUNCS = {"wc-js": ("js", "word_count"), "json-js": ("js", "json_transform"), "wc-py": ("python", "word_count"),
         "json-py": ("python", "json_transform")}
DEPLOY = os.environ.get("DEPLOY", "wc-js,json-js,wc-py,json-py").split(",")
if not os.path.exists(D + "/data"):
    start("1")
    for n in DEPLOY:
        s, b = req("PUT", "/v1/functions/" + n, bundle(*FUNCS[n]))
        assert s in (200, 201), (n, s, b)
    for n in DEPLOY:
        for i in range(int(os.environ.get("STEADY", "400"))):
            s, b = req("POST", "/v1/functions/%s/invoke" % n, {"seed": 42})
            assert s == 200, (n, s, b)
    stop()
ready = start("2")
print("ready after %.1f s" % ready)
out = {}
for n in ORDER:
    for i in range(FIRST if n != ORDER[-1] else 40):
        s, b = req("POST", "/v1/functions/%s/invoke" % n, {"seed": 42})
        assert s == 200, (n, s, b)
for n in DEPLOY:
    s, f = req("GET", "/v1/functions/" + n)
    w, wu = f["warmth"], f.get("warmUp", {})
    first = w.get("firstInvocationsUs", [])
    tgt = wu.get("targetUs") or 0
    print(n, "warmUp", {k: wu.get(k) for k in ("replays", "ms", "lastReplayUs", "outcome", "targetUs", "recheck")},
          "steady", w.get("steadyStateUs"), w.get("state"))
    if first and tgt:
        print("   first/target %.2f  first5 %s" % (first[0] / tgt, [round(x / tgt, 2) for x in first[:10]]))
stop()
