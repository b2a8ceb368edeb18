#!/usr/bin/env python3
# Does a hot function's steady state depend on the traffic around it (issue 6)? On one node, per bench function:
#   bench/steady-mix.py [TAG]
# Starts a node (port $PORT, default 18751; data in /tmp/steady-mix/TAG), deploys the hot-start bench's word count and
# JSON transform in $LANGS (default js,python,java; bench/functions and the bench-functions jar), then measures each
# function's CPU time per call (the node's own warmth data: the median of its last 32, `recentUs`) in four phases:
#   back     $BACK calls of the function back to back (default 300), each function in turn: the hot-start bench's
#            node 1 measures its steady state this way
#   mixed    $ROUNDS rounds (default 60) of one call of every function in turn: the joining node's traffic in the
#            hot-start bench
#   back2    40 more calls back to back, each function in turn (did the steady state drift meanwhile?)
#   paused   $PAUSED rounds (default 12) of one call of every function, each round after a 2 s pause (median of the
#            function's last 10 calls)
# and writes bench/results/steady-mix[-TAG].csv: each phase over `back` (the command and machine in its header).
# Env: HOTVISOR_BUILD_DIR (default target; ./mvnw -B -q install -DskipTests first), NODE_OPTS, PORT, LANGS, BACK,
#      ROUNDS, PAUSED. Node start, HTTP and deploy bodies: bench/benchnode.py (shared with bench/settle.py).
# Results: bench/results/steady-mix.csv, read in bench/results/notes-first-served-call.md (the 2026-11-25 section).
import json, os, shlex, statistics, subprocess, sys, time
from datetime import datetime, timezone

from benchnode import ROOT, Node

TAG = sys.argv[1] if len(sys.argv) > 1 else ""
PORT = int(os.environ.get("PORT", "18751"))
KEY = "hv_steady-mix-0123456789abcdef0123"
BUILD = os.environ.get("HOTVISOR_BUILD_DIR", "target")
BACK, ROUNDS, PAUSED = (int(os.environ.get(k, d)) for k, d in (("BACK", "300"), ("ROUNDS", "60"), ("PAUSED", "12")))
LANGS = os.environ.get("LANGS", "js,python,java").split(",")
D = "/tmp/steady-mix/" + (TAG or "run")
subprocess.run(["rm", "-rf", D], check=True)
os.makedirs(D)


def recent_median(name, last=32):
    status, body, _ = node.req("GET", "/v1/functions/" + name)
    warmth = json.loads(body)["warmth"]
    return statistics.median(warmth["recentUs"][-last:]), warmth["state"]


node = Node("steady-mix", PORT, KEY, BUILD, D + "/data", D + "/cli.json", D + "/node.log",
            shlex.split(os.environ.get("NODE_OPTS", "")))
try:
    node.wait_ready()
    names = [node.deploy(kind, lang) for lang in LANGS for kind in ("word-count", "json-transform")]
    rows = {n: {} for n in names}
    for n in names:
        for _ in range(BACK):
            node.invoke(n)
        rows[n]["back"], rows[n]["state_after_back"] = recent_median(n)
    for _ in range(ROUNDS):
        for n in names:
            node.invoke(n)
    for n in names:
        rows[n]["mixed"] = recent_median(n)[0]
    for n in names:
        for _ in range(40):
            node.invoke(n)
        rows[n]["back2"] = recent_median(n)[0]
    for _ in range(PAUSED):
        time.sleep(2)
        for n in names:
            node.invoke(n)
    for n in names:
        rows[n]["paused"] = recent_median(n, 10)[0]
finally:
    node.stop()

out = "%s/bench/results/steady-mix%s.csv" % (ROOT, "-" + TAG if TAG else "")
with open(out, "w") as f:
    f.write("# benchmark: steady-mix (a function's CPU per call by the traffic around it, one node)\n")
    f.write("# command: %s\n" % " ".join(shlex.quote(a) for a in
                                       ["HOTVISOR_BUILD_DIR=" + BUILD, "LANGS=" + ",".join(LANGS), "BACK=%d" % BACK,
                                        "ROUNDS=%d" % ROUNDS, "PAUSED=%d" % PAUSED, "bench/steady-mix.py"]
                                       + sys.argv[1:]))
    f.write("# date: %s\n" % datetime.now(timezone.utc).isoformat())
    f.write("# machine: nproc=%d, loadavg_at_end=%s\n" % (os.cpu_count(), open("/proc/loadavg").read().strip()))
    f.write("# notes: medians of the node's last 32 CPU times per call (paused: last 10), in us; ratios over back\n")
    f.write("function,back_us,state_after_back,mixed_us,back2_us,paused_us,mixed_over_back,back2_over_back,"
            "paused_over_back\n")
    for n, r in rows.items():
        f.write("%s,%.0f,%s,%.0f,%.0f,%.0f,%.2f,%.2f,%.2f\n" % (
            n, r["back"], r["state_after_back"], r["mixed"], r["back2"], r["paused"], r["mixed"] / r["back"],
            r["back2"] / r["back"], r["paused"] / r["back"]))
print(open(out).read())
