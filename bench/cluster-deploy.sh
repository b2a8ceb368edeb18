#!/usr/bin/env bash
# How soon a function deployed through one node is served by the others (issue 5: "every node can serve it within a
# second"), on a cluster from bin/hotvisor cluster up (Redis with AOF, $NODES nodes, default 3, and a gateway).
#   bench/cluster-deploy.sh     after a warm-up (a function deployed and invoked 20 times on every node and through
#                               the gateway), $TRIALS times (default 10): deploy a new JavaScript function through
#                               node-1, then, all from the moment the deploy returned:
#                                 listed-node-K  when GET /v1/cluster first lists it on node K (catalog poll + local
#                                                load + heartbeat: without any invocation asking for it)
#                                 gw-node-K      when an invocation through the gateway (one every 10 ms, for 2 s)
#                                                was first answered by node K; gw-errors: calls not answered 200
#                               and once per trial a second function, invoked straight on node-$NODES right after its
#                               deploy through node-1 (the node loads it on demand): direct-ms, that call's latency.
#   BURN=2 bench/cluster-deploy.sh   the same with 2 busy-loop processes running (2 loaded cores)
# Appends the rows to bench/results/cluster-deploy.csv (with the date, load average and BURN) and prints a summary.
# Env: HOTVISOR_BUILD_DIR, SKIP_BUILD=1, NODES, TRIALS, BURN (default 0), OUT (default bench/results).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/bin/lib/bench.sh"
NODES="${NODES:-3}" TRIALS="${TRIALS:-10}" BURN="${BURN:-0}" OUT="${OUT:-$ROOT/bench/results}"
bench_need_redis
bench_build hotvisor-node,hotvisor-cli
DIR="$(mktemp -d)"
BURNERS=()
cleanup() {
  for p in ${BURNERS[@]+"${BURNERS[@]}"}; do kill "$p" 2>/dev/null || true; done
  "$ROOT/bin/hotvisor" cluster down --dir "$DIR" >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
mkdir -p "$OUT"
"$ROOT/bin/hotvisor" cluster up --nodes "$NODES" --dir "$DIR" --gateway-port 0 >/dev/null
for _ in $(seq 1 "$BURN"); do (while :; do :; done) & BURNERS+=($!); done
python3 - "$DIR" "$NODES" "$TRIALS" "$BURN" "$OUT/cluster-deploy.csv" <<'EOF'
import json, os, sys, threading, time, urllib.error, urllib.request
d, nodes, trials, burn, csv = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
env = dict(l.strip().split('=', 1) for l in open(d + '/env') if '=' in l)
key, gw = env['HOTVISOR_KEY'], env['HOTVISOR_URL']
ids = ['node-%d' % i for i in range(1, nodes + 1)]
url = {n: 'http://127.0.0.1:' + open('%s/%s.port' % (d, n)).read().strip() for n in ids}

def req(method, u, body=None):
    r = urllib.request.Request(u, method=method, data=body,
                               headers={'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(r, timeout=60) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()

def deploy(node, name, n):
    code = 'exports.handler = async (e) => ({n: %d, x: e.x})' % n
    st, _, b = req('PUT', url[node] + '/v1/functions/' + name,
                   json.dumps({'language': 'javascript', 'handler': 'index.handler', 'code': code}).encode())
    assert st in (200, 201), b

deploy('node-1', 'warm', 0)
for _ in range(20):
    for n in ids:
        req('POST', url[n] + '/v1/functions/warm/invoke', b'{}')
    req('POST', gw + '/v1/functions/warm/invoke', b'{}')
run = 'bench-%d' % int(time.time())
rows = []
for t in range(trials):
    name = '%s-%d' % (run, t)
    res = {'gw-errors': 0}
    deploy('node-1', name, t)
    t0 = time.monotonic()
    ms = lambda: round((time.monotonic() - t0) * 1000)
    def listed():
        while time.monotonic() - t0 < 5 and sum(k.startswith('listed-') for k in res) < nodes:
            _, _, b = req('GET', gw + '/v1/cluster')
            for n in json.loads(b)['nodes']:
                if any(f.startswith('default/%s@' % name) for f in n['functions']):
                    res.setdefault('listed-' + n['id'], ms())
            time.sleep(0.01)
    def gateway():
        i = 0
        while time.monotonic() - t0 < 2:
            st, h, b = req('POST', gw + '/v1/functions/%s/invoke' % name, b'{"x": %d}' % i)
            if st == 200 and json.loads(b).get('x') == i:
                res.setdefault('gw-' + h.get('X-Hotvisor-Node'), ms())
            else:
                res['gw-errors'] += 1
            i += 1
            time.sleep(0.01)
    th = [threading.Thread(target=listed), threading.Thread(target=gateway)]
    [x.start() for x in th]; [x.join() for x in th]
    deploy('node-1', name + '-direct', t)
    t1 = time.monotonic()
    st, _, _ = req('POST', url[ids[-1]] + '/v1/functions/%s-direct/invoke' % name, b'{"x": 1}')
    res['direct-ms'] = round((time.monotonic() - t1) * 1000) if st == 200 else 'status-%d' % st
    res['load1'] = os.getloadavg()[0]
    rows.append(res)
    print(name, json.dumps(res, sort_keys=True), flush=True)
cols = ['listed-' + n for n in ids] + ['gw-' + n for n in ids] + ['gw-errors', 'direct-ms', 'load1']
new = not os.path.exists(csv)
with open(csv, 'a') as f:
    if new:
        f.write('date,burn,trial,' + ','.join(cols) + '\n')
    for i, r in enumerate(rows):
        f.write('%s,%s,%d,%s\n' % (time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), burn, i,
                                   ','.join(str(r.get(c, '')) for c in cols)))
def summary(col):
    v = sorted(r[col] for r in rows if isinstance(r.get(col), (int, float)))
    return '%s: n=%d median %s max %s' % (col, len(v), v[len(v) // 2] if v else '-', v[-1] if v else '-')
for c in cols[:-1]:
    print(summary(c))
EOF
