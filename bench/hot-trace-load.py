#!/usr/bin/env python3
# What a trace replay's calls cost, by what else ran beside them (issue 6). Reads the files bench/hot-trace.sh wrote:
#   bench/hot-trace-load.py DIR [MODE]        e.g. bench/hot-trace-load.py bench/results full
# DIR holds hot-trace-MODE-calls.csv (with cpu_us, the X-Hotvisor-Cpu-Us each answer carried: bench at 19efa0e or
# later), hot-trace-MODE-cores.csv (who used the cores in each second of the replay) and hot-trace-MODE-nodes.csv
# (each node's reference per function when its counts were read last). For every side, node and function with at
# least 20 answered calls, it puts each call in the second it was sent and that second in a bucket, as the report's
# "by what else ran" table does: "a node starting" (nodes still starting used at least 0.5 core: a joining node
# loading, replaying and compiling), else the machine's busy cores (< 1, 1-1.8, >= 1.8). Per bucket it prints the calls,
# how many answered warming, and their CPU time over the node's reference: median and 90th percentile. A hot
# function whose calls cost more CPU while another node starts, on code already compiled, is the 2-core machine's
# shared caches and memory at work, not cold code. Writes a Markdown table to stdout; nothing else.
import csv, statistics, sys
from collections import defaultdict

STARTING_CORES = 0.5
BUCKETS = ["a node starting", "< 1 core", "1-1.8 cores", ">= 1.8 cores"]


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def bucket(second):
    if float(second.get("starting_nodes_cores") or 0) >= STARTING_CORES:
        return BUCKETS[0]
    busy = float(second["busy_cores"])
    return BUCKETS[1] if busy < 1 else BUCKETS[2] if busy < 1.8 else BUCKETS[3]


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: bench/hot-trace-load.py DIR [MODE]   (MODE: full or quick, default full)")
    d, mode = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "full"
    name = f"{d}/hot-trace-{mode}"
    calls, cores, nodes = rows(name + "-calls.csv"), rows(name + "-cores.csv"), rows(name + "-nodes.csv")
    if calls and "cpu_us" not in calls[0]:
        sys.exit(f"{name}-calls.csv has no cpu_us column: made by a bench before X-Hotvisor-Cpu-Us")
    reference = {(n["side"], n["node"], n["function"]): float(n["reference_us"]) for n in nodes
                 if n["reference_us"] not in ("", "n/a")}
    seconds = defaultdict(list)
    for s in cores:
        seconds[s["side"]].append((int(s["from_ms"]), int(s["to_ms"]), bucket(s)))
    groups = defaultdict(lambda: defaultdict(list))
    warming = defaultdict(lambda: defaultdict(int))
    for c in calls:
        key = (c["side"], c["node"], c["played_by"])
        ref = reference.get((c["side"], c["node"], c["function"]))
        if c["correct"] != "true" or int(c["cpu_us"]) < 0 or not ref:
            continue
        t = int(c["sent_ms"])
        b = next((b for lo, hi, b in seconds[c["side"]] if lo <= t < hi), None)
        if b is None:
            continue
        groups[key][b].append(int(c["cpu_us"]) / ref)
        warming[key][b] += c["warmth"] == "warming"
    print("| side | node | function | " + " | ".join(BUCKETS) + " |")
    print("|---|---|---|" + "---|" * len(BUCKETS))
    for key in sorted(groups):
        if sum(len(v) for v in groups[key].values()) < 20:
            continue
        cells = []
        for b in BUCKETS:
            v = sorted(groups[key][b])
            cells.append(f"{len(v)} calls, {warming[key][b]} warming, {statistics.median(v):.2f} / "
                         f"{v[min(len(v) - 1, int(0.9 * len(v)))]:.2f}" if v else "-")
        print(f"| {key[0]} | {key[1]} | {key[2]} | " + " | ".join(cells) + " |")
    print("\nEach cell: calls, of them answered warming, CPU time over the node's reference: median / 90th percentile.")


if __name__ == "__main__":
    main()
