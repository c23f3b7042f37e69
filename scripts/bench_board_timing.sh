#!/usr/bin/env bash
# The SystemC virtual board against the Verilator harness on ResNet-18's memory-bound layers (C4, C7,
# C10) and a compute-bound one (C11): cycles with the harness's DRAM model, with pynq-z2's memory
# (boards/pynq-z2.json), and with pynq-z2 variants (latency x2 and x4, a third of the DDR bandwidth).
# Default schedules, default configuration. Writes one JSON object per run to $1 (default
# board_timing.jsonl) and prints a table. Usage: scripts/bench_board_timing.sh [out.jsonl] [build dir]
set -euo pipefail
out=${1:-board_timing.jsonl}
dcoc=${2:-build/release}/dcoc
variants=$(mktemp -d)
cp boards/*.json "$variants/"
python3 - "$variants" <<'PY'
import json, sys, os
d = sys.argv[1]
base = json.load(open(os.path.join(d, "pynq-z2.json")))
for name, f in [("pynq-z2-lat2", lambda b: b["dram"].update(read_latency_ns=b["dram"]["read_latency_ns"] * 2,
                                                          write_latency_ns=b["dram"]["write_latency_ns"] * 2)),
                ("pynq-z2-lat4", lambda b: b["dram"].update(read_latency_ns=b["dram"]["read_latency_ns"] * 4,
                                                          write_latency_ns=b["dram"]["write_latency_ns"] * 4)),
                ("pynq-z2-bw3", lambda b: b["dram"].update(efficiency=b["dram"]["efficiency"] / 3))]:
    b = json.loads(json.dumps(base)); b["name"] = name; f(b)
    json.dump(b, open(os.path.join(d, name + ".json"), "w"), indent=2)
PY
: > "$out"
for layer in C4 C7 C10 C11; do
  for run in "verilator" "systemc" "systemc pynq-z2" "systemc pynq-z2-lat2" "systemc pynq-z2-lat4" "systemc pynq-z2-bw3"; do
    set -- $run
    board=${2:-}
    args=(layer run --layer "resnet18.$layer" --backend "$1" --json)
    [ -n "$board" ] && args+=(--board "$board")
    DCOC_BOARDS_DIR=$variants "$dcoc" "${args[@]}" |
      python3 -c "import json,sys; j=json.load(sys.stdin); j['board']='$board'; print(json.dumps(j))" >> "$out"
  done
done
rm -rf "$variants"
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("%-6s %-10s %-14s %10s %8s %8s" % ("layer", "backend", "board", "cycles", "vs harn.", "util"))
base = {}
for r in rows:
    key = r["layer"]
    if r["backend"] == "verilator": base[key] = r["cycles"]
    print("%-6s %-10s %-14s %10d %+7.1f%% %8.3f" % (key.split(".")[1], r["backend"], r["board"] or "-", r["cycles"],
          100.0 * (r["cycles"] / base[key] - 1), r["utilization_ideal"]))
PY
