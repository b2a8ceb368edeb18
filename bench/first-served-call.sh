#!/usr/bin/env bash
# The first invocation served after a node's warm-up replays (issue 6), on a real node over HTTP:
#   bench/first-served-call.sh [js|python] [tag]
# Starts a node (port $PORT, default 18731; data dir /tmp/first-served-call/<tag>), deploys a small CPU-heavy function
# (FN=json-transform: the hot-start bench's JSON transform, bench/functions) with one warmupInputs event, invokes it
# $STEADY times (default 300) so that the node saves its steady state, stops the node and starts it again on the same
# data dir: the restarted node replays the input towards that steady state before /readyz answers 200. Then, after
# $PAUSE s (default 1): $AFTER invocations (default 40), another pause of $PAUSE s, and 5 more. Prints the warm-up
# result and the served calls' CPU times (the node's warmth data, firstInvocationsUs), and the ratios: first served
# call / last replay, / the saved steady state, / the median of served calls 21-40; the call after the mid-stream
# pause / that median. Calls go one at a time with curl (a few ms apart).
# Env: HOTVISOR_BUILD_DIR (default target; build first with ./mvnw -B -q install -DskipTests), HOTVISOR_JAVA_OPTS,
#      NODE_OPTS (extra node options, e.g. "--engine-option engine.TraceCompilation=true"), PORT, STEADY, AFTER, PAUSE,
#      FN (default: the small function below; json-transform).
# Results: bench/results/notes-first-served-call.md, bench/results/notes-warm-up-compile-drain.md (FN=json-transform).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LANG_ID="${1:-js}"
TAG="${2:-$LANG_ID}"
PORT="${PORT:-18731}"
STEADY="${STEADY:-300}"
AFTER="${AFTER:-40}"
PAUSE="${PAUSE:-1}"
KEY="hv_first-served-call-$RANDOM$RANDOM-0123456789"
D="/tmp/first-served-call/$TAG"
U="http://127.0.0.1:$PORT"
H=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
rm -rf "$D"
mkdir -p "$D"
. "$ROOT/bin/lib/jdk.sh"

python3 - "$LANG_ID" "$D" "${FN:-}" "$ROOT/bench/functions" <<'PY'
import base64, io, json, sys, zipfile
lang, d, kind, functions = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
js = """function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
exports.handler = (event) => {
  const counts = {};
  for (const w of event.text.split(' ')) { counts[w] = (counts[w] || 0) + 1; }
  let s = 0;
  for (let i = 0; i < event.n; i++) { s = (s + i * i) % 1000003; }
  return { fib: fib(event.f), distinct: Object.keys(counts).length, s };
};
"""
py = """def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

def handler(event, context):
    counts = {}
    for w in event["text"].split(" "):
        counts[w] = counts.get(w, 0) + 1
    s = 0
    for i in range(event["n"]):
        s = (s + i * i) % 1000003
    return {"fib": fib(event["f"]), "distinct": len(counts), "s": s}
"""
text = " ".join("w%d" % (i % 50) for i in range(400))
if lang == "js":
    event, fn = {"text": text, "n": 20000, "f": 18}, {"language": "javascript", "code": js, "timeoutMs": 5000}
elif lang == "python":
    event, fn = {"text": text, "n": 5000, "f": 14}, {"language": "python", "code": py, "timeoutMs": 10000}
else:
    sys.exit("language must be js or python, got " + lang)
fn.update({"handler": "index.handler", "warmupInputs": [event]})
if kind == "json-transform":
    ext = "js" if lang == "js" else "py"
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        source = "%s/%s/json_transform.%s" % (functions, "js" if ext == "js" else "python", ext)
        z.write(source, "json_transform." + ext)
        z.write(functions + "/data/orders.js", "orders.js")
    event = {"seed": 42}
    del fn["code"]
    fn.update({"handler": "json_transform.main", "archive": base64.b64encode(zipped.getvalue()).decode(),
               "warmupInputs": [event], "timeoutMs": 30000})
elif kind:
    sys.exit("FN must be json-transform or unset, got " + kind)
json.dump(fn, open(d + "/function.json", "w"))
json.dump(event, open(d + "/event.json", "w"))
PY

PID=""
start() {
  # shellcheck disable=SC2086
  HOTVISOR_ADMIN_KEY="$KEY" "$ROOT/bin/hotvisor" node --port "$PORT" --data-dir "$D" --cli-config "$D/cli.json" \
    ${NODE_OPTS:-} > "$D/node-$1.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 600); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "${H[@]}" "$U/readyz")" = 200 ]; then return 0; fi
    sleep 0.2
  done
  echo "the node did not get ready; see $D/node-$1.log" >&2
  return 1
}
stop() {
  kill "$PID"
  while kill -0 "$PID" 2>/dev/null; do sleep 0.2; done
}
trap 'if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill "$PID"; fi' EXIT
invoke() {
  for _ in $(seq 1 "$1"); do
    curl -s -o /dev/null -X POST "${H[@]}" --data @"$D/event.json" "$U/v1/functions/f/invoke"
  done
}

start 1
curl -s -o /dev/null -X PUT "${H[@]}" --data @"$D/function.json" "$U/v1/functions/f"
invoke "$STEADY"
stop
start 2
sleep "$PAUSE"
invoke "$AFTER"
sleep "$PAUSE"
invoke 5
curl -s "${H[@]}" "$U/v1/functions/f" > "$D/after.json"
stop

python3 - "$D/after.json" "$TAG" "$AFTER" <<'PY'
import json, statistics, sys
f = json.load(open(sys.argv[1]))
tag, after = sys.argv[2], int(sys.argv[3])
w, u = f["warmth"], f.get("warmUp", {})
calls = w["firstInvocationsUs"]
served = statistics.median(calls[min(20, after - 5):after])
print(tag, "warm-up", {k: u.get(k) for k in ("replays", "ms", "lastReplayUs", "outcome", "targetUs")})
print(tag, "served CPU us", [round(x) for x in calls])
print(tag, "first/lastReplay %.2f first/target %.2f first/served21-40 %.2f 2nd/target %.2f 3rd/target %.2f"
      " served21-40/target %.2f after-pause/served21-40 %.2f" % (
          calls[0] / u["lastReplayUs"], calls[0] / u["targetUs"], calls[0] / served, calls[1] / u["targetUs"],
          calls[2] / u["targetUs"], served / u["targetUs"], calls[after] / served))
PY
