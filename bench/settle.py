#!/usr/bin/env python3
# How often does a hot function settle on a slow steady state, by engine configuration (issue 6)? On one node:
#   bench/settle.py [TAG]
#   bench/settle.py --chart [TAG]      only redraws bench/results/settle[-TAG].svg from its -calls.json
# For each configuration in $CONFIGS and each of $RUNS runs: starts a fresh node (port $PORT, default 18752; data in
# /tmp/settle/TAG), deploys $FUNCTIONS (default json-transform-python; KIND-LANG of the hot-start bench's functions,
# bench/functions), calls each $CALLS times back to back (default 400), and records every call's duration (the node's
# X-Hotvisor-Duration-Us). Per run and function it reports the best plateau (the lowest median of 20 consecutive
# calls), the final steady state (the median of the last 50 calls) and their ratio: a ratio well above 1 is a function
# that was fast once and settled slow. It also counts, in the node's log, the compilation events that
# engine.TraceCompilation prints (every configuration runs with it, so that a slow run can be read afterwards).
# Configurations: default (GraalVM's thresholds) and eager (the eager engine's thresholds, 50/500, on the node's default
# engines). $CONFIGS picks some, comma-separated.
# Writes bench/results/settle[-TAG].csv (one row per run and function, with the command and machine in its header),
# settle[-TAG].svg (each run's rolling median by call number) and settle[-TAG]-calls.json (every call's duration
# and start time, UTC, to read beside the node's log); node logs
# stay in /tmp/settle/TAG.
# Env: HOTVISOR_BUILD_DIR (default target; ./mvnw -B -q install -DskipTests first), PORT, RUNS (default 4), CALLS,
#      FUNCTIONS, CONFIGS, IDLE_S, HOTVISOR_JAVA_OPTS (added to the node's JVM options before the configuration's).
# Results: bench/results/settle*.csv, read in bench/results/notes-settle.md.
# Node start, HTTP and deploy bodies: bench/benchnode.py (shared with bench/steady-mix.py).
import json, os, re, shlex, statistics, subprocess, sys, time
from datetime import datetime, timezone

from benchnode import ROOT, Node

CHART_ONLY = len(sys.argv) > 1 and sys.argv[1] == "--chart"
if CHART_ONLY:
    sys.argv.pop(1)
TAG = sys.argv[1] if len(sys.argv) > 1 else ""
OUT = "%s/bench/results/settle%s" % (ROOT, "-" + TAG if TAG else "")


def chart(every_call, path):
    """An SVG line chart: each run's rolling median of 20 calls over the call number, one color per configuration."""
    colors = {"default": "#1f77b4", "eager": "#d62728"}
    series = {}
    for key, calls in every_call.items():
        durations = calls["durationsUs"] if isinstance(calls, dict) else calls
        series[key] = [statistics.median(durations[i:i + 20]) / 1000 for i in range(len(durations) - 19)]
    top = max(max(v) for v in series.values())
    top = min(top, 4 * statistics.median([min(v) for v in series.values()]))  # compile-time spikes would flatten it
    width, height, left, bottom = 760, 380, 60, 40
    n = max(len(v) for v in series.values())
    x = lambda i: left + i * (width - left - 20) / max(1, n - 1)
    y = lambda ms: height - bottom - min(ms, top) * (height - bottom - 20) / top
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">'
           % (width, height), '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="14">%s: rolling median of 20 calls (ms, wall) by call number, one line per fresh node'
           '</text>' % (left, ", ".join(sorted({k.split("/")[2] for k in series})))]
    for ms in range(0, int(top) + 1, max(5, int(top / 6) // 5 * 5)):
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">'
                   '%d</text>' % (left, width - 20, y(ms), y(ms), left - 6, y(ms) + 4, ms))
    for i in range(0, n, 50):
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (x(i), height - bottom + 16, i))
    for key, values in series.items():
        config = key.split("/")[0]
        points = " ".join("%.1f,%.1f" % (x(i), y(v)) for i, v in enumerate(values))
        out.append('<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"><title>%s</title></polyline>'
                   % (colors.get(config, "#555"), points, key))
    for j, (config, color) in enumerate(c for c in colors.items() if any(k.startswith(c[0] + "/") for k in series)):
        out.append('<rect x="%d" y="%d" width="12" height="3" fill="%s"/><text x="%d" y="%d">%s</text>'
                   % (width - 160, 30 + 16 * j, color, width - 142, 35 + 16 * j, config))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if CHART_ONLY:
    chart(json.load(open(OUT + "-calls.json")), OUT + ".svg")
    sys.exit(0)
PORT = int(os.environ.get("PORT", "18752"))
KEY = "hv_settle-0123456789abcdef0123456789"
BUILD = os.environ.get("HOTVISOR_BUILD_DIR", "target")
RUNS, CALLS = int(os.environ.get("RUNS", "4")), int(os.environ.get("CALLS", "400"))
# Seconds idle after the calls, longer than the node's keep-alive (set to 2 s when this is on), so that the function's
# sandboxes are released; then 60 more calls on new sandboxes (0: none). Is a slow steady state the engine's compiled
# code (the new sandboxes stay slow) or the sandbox's own (they are fast)?
IDLE_S = float(os.environ.get("IDLE_S", "0"))
FUNCTIONS = os.environ.get("FUNCTIONS", "json-transform-python").split(",")
TRACE = "-Dpolyglot.engine.TraceCompilation=true"
EAGER = ("-Dpolyglot.engine.AllowExperimentalOptions=true -Dpolyglot.engine.FirstTierCompilationThreshold=50"
         " -Dpolyglot.engine.LastTierCompilationThreshold=500")
ALL_CONFIGS = {"default": TRACE, "eager": TRACE + " " + EAGER}
CONFIGS = os.environ.get("CONFIGS", "default,eager").split(",")
for c in CONFIGS:
    if c not in ALL_CONFIGS:
        sys.exit("settle: unknown configuration %r in CONFIGS (known: %s)" % (c, ", ".join(ALL_CONFIGS)))
for f in FUNCTIONS:
    if f.rsplit("-", 1)[-1] not in ("js", "python") or f.rsplit("-", 1)[0] not in ("word-count", "json-transform"):
        sys.exit("settle: unknown function %r in FUNCTIONS (word-count or json-transform, then -js or -python)" % f)
D = "/tmp/settle/" + (TAG or "run")
subprocess.run(["rm", "-rf", D], check=True)
os.makedirs(D)


def one_run(config, run):
    log_path = "%s/node-%s-%d.log" % (D, config, run)
    node = Node("settle", PORT, KEY, BUILD, "%s/data-%s-%d" % (D, config, run), D + "/cli.json", log_path,
                ["--keep-alive", "2s"] if IDLE_S else [],
                (os.environ.get("HOTVISOR_JAVA_OPTS", "") + " " + ALL_CONFIGS[config]).strip())
    try:
        node.wait_ready()
        calls, starts, after = {}, {}, {}
        for name in FUNCTIONS:
            node.deploy(*name.rsplit("-", 1))
            calls[name], starts[name] = [], []
        for name in FUNCTIONS:
            for _ in range(CALLS):
                starts[name].append(datetime.now(timezone.utc).isoformat(timespec="milliseconds"))
                calls[name].append(int(node.invoke(name)["X-Hotvisor-Duration-Us"]))
        if IDLE_S:
            time.sleep(IDLE_S)
            for name in FUNCTIONS:
                after[name] = [int(node.invoke(name)["X-Hotvisor-Duration-Us"]) for _ in range(60)]
        return calls, starts, after, log_path
    finally:
        node.stop()


def summary(durations):
    plateaus = [statistics.median(durations[i:i + 20]) for i in range(0, len(durations) - 19)]
    best = min(plateaus)
    best_at = plateaus.index(best)
    final = statistics.median(durations[-50:])
    # The first call from which the rolling median stays above 1.3x the best plateau: when it settled slow.
    slow_from = next((i for i in range(best_at, len(plateaus)) if all(p > 1.3 * best for p in plateaus[i:])), None)
    return best, best_at, final, slow_from


def compilations(log_path):
    text = open(log_path, errors="replace").read()
    return {k: len(re.findall(p, text)) for k, p in (("done", r"\[engine\] opt done"),
                                                      ("failed", r"\[engine\] opt failed"),
                                                      ("invalidated", r"\[engine\] opt inv"),
                                                      ("deopt", r"\[engine\] opt deopt"))}


rows, every_call = [], {}
for config in CONFIGS:
    for run in range(1, RUNS + 1):
        calls, starts, after, log_path = one_run(config, run)
        counts = compilations(log_path)
        for name, durations in calls.items():
            best, best_at, final, slow_from = summary(durations)
            every_call["%s/%d/%s" % (config, run, name)] = {"durationsUs": durations, "startsUtc": starts[name],
                                                             "afterIdleUs": after.get(name, [])}
            after_idle = statistics.median(after[name][10:]) if name in after else float("nan")
            rows.append((config, run, name, durations[0], best, best_at, final, final / best,
                         "" if slow_from is None else slow_from, after_idle, after_idle / final, counts["done"],
                         counts["invalidated"],
                         counts["deopt"], counts["failed"], os.path.basename(log_path)))
            print("%s run %d %s: first %d us, best plateau %.0f us (from call %d), final %.0f us (%.2fx)%s" % (
                config, run, name, durations[0], best, best_at, final, final / best,
                "" if slow_from is None else ", slow from call %d" % slow_from)
                + ("" if name not in after else ", after %.0f s idle on new sandboxes %.0f us" % (IDLE_S, after_idle)),
                flush=True)

out = OUT
with open(out + ".csv", "w") as f:
    f.write("# benchmark: settle (how often a hot function settles on a slow steady state, by engine thresholds)\n")
    f.write("# command: %s\n" % " ".join(shlex.quote(a) for a in
                                       (["HOTVISOR_JAVA_OPTS=" + os.environ["HOTVISOR_JAVA_OPTS"]]
                                        if os.environ.get("HOTVISOR_JAVA_OPTS") else [])
                                       + ["HOTVISOR_BUILD_DIR=" + BUILD, "RUNS=%d" % RUNS, "CALLS=%d" % CALLS,
                                        "FUNCTIONS=" + ",".join(FUNCTIONS), "CONFIGS=" + ",".join(CONFIGS),
                                        "IDLE_S=%g" % IDLE_S,
                                        "bench/settle.py"] + sys.argv[1:]))
    f.write("# date: %s\n" % datetime.now(timezone.utc).isoformat())
    f.write("# machine: nproc=%d, loadavg_at_end=%s\n" % (os.cpu_count(), open("/proc/loadavg").read().strip()))
    f.write("# notes: wall time per call (X-Hotvisor-Duration-Us), back to back on a fresh node; best = lowest median"
            " of 20 consecutive calls; final = median of the last 50; slow_from = first call from which every"
            " rolling median stays above 1.3x best; compilation counts from the node's engine.TraceCompilation log"
            " (all functions of the node); after_idle = median of calls 11-60 after IDLE_S s idle (nan: IDLE_S=0)\n")
    f.write("config,run,function,first_us,best_us,best_from_call,final_us,final_over_best,slow_from_call,after_idle_us,"
            "after_idle_over_final,"
            "opt_done,opt_invalidated,opt_deopt,opt_failed,log\n")
    for r in rows:
        f.write("%s,%d,%s,%d,%.0f,%d,%.0f,%.2f,%s,%.0f,%.2f,%d,%d,%d,%d,%s\n" % r)
with open(out + "-calls.json", "w") as f:
    json.dump(every_call, f)
chart(every_call, out + ".svg")
print(open(out + ".csv").read())
