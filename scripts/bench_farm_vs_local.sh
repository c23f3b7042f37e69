#!/usr/bin/env bash
# Throughput of real measurements through the farm against the local worker pool on this machine: the
# same `dcoc layer search` (same candidates) measured with `--jobs W` locally and through a tracker
# with W workers of one slot each on 127.0.0.1. Runs alternate (local, farm, local, ...) so both see
# the same machine load. Prints one JSON object per run and a summary object (medians) at the end.
# Usage: scripts/bench_farm_vs_local.sh [--dcoc PATH] [--backend fsim|verilator] [--layer L] [--top N]
#                                       [--workers W] [--runs R]
set -euo pipefail

dcoc=build/release/dcoc backend=fsim layer=resnet18.C5 top=48 workers=2 runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --dcoc) dcoc=$2; shift 2 ;;
    --backend) backend=$2; shift 2 ;;
    --layer) layer=$2; shift 2 ;;
    --top) top=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--dcoc PATH] [--backend B] [--layer L] [--top N] [--workers W] [--runs R]" >&2; exit 2 ;;
  esac
done
dcoc=$(realpath "$dcoc")
dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

"$dcoc" farm keygen --id bench --role client --keys "$dir/tracker.keys" -o "$dir/client.key" >/dev/null
"$dcoc" farm keygen --id w --role worker --keys "$dir/tracker.keys" -o "$dir/w.key" >/dev/null
"$dcoc" tracker --listen 127.0.0.1:0 --keys "$dir/tracker.keys" --port-file "$dir/port" --log "$dir/tracker.log" &
pids+=($!)
for _ in $(seq 600); do [ -s "$dir/port" ] && break; sleep 0.1; done
[ -s "$dir/port" ] || { echo "the tracker did not start" >&2; exit 1; }
address=127.0.0.1:$(cat "$dir/port")
for i in $(seq "$workers"); do
  "$dcoc" worker --tracker "$address" --key "$dir/w.key" --backend "$backend" --slots 1 --name "w$i" \
    --log "$dir/w$i.log" &
  pids+=($!)
done
for _ in $(seq 600); do
  [ "$(grep -c 'registered worker' "$dir/tracker.log" 2>/dev/null || true)" -ge "$workers" ] && break
  sleep 0.1
done

search=("$dcoc" layer search --layer "$layer" --backend "$backend" --top "$top" --random 0 --seed 1)
run() {  # mode run-number -> one JSON line
  local mode=$1 n=$2 db="$dir/$1-$2.db" t0 t1
  t0=$(date +%s.%N)
  if [ "$mode" = local ]; then
    "${search[@]}" --jobs "$workers" --db "$db" >"$dir/out" 2>&1
  else
    "${search[@]}" --farm "$address" --key "$dir/client.key" --db "$db" >"$dir/out" 2>&1
  fi
  t1=$(date +%s.%N)
  local measured
  measured=$("$dcoc" db stats "$db" --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("records", d.get("total", 0)))')
  /usr/bin/python3 -c "import json; s=$t1-$t0; print(json.dumps({'mode': '$mode', 'run': $n, 'backend': '$backend', 'layer': '$layer', 'workers': $workers, 'measured': $measured, 'seconds': round(s, 3), 'per_second': round($measured / s, 3)}))"
}
results=()
for n in $(seq "$runs"); do
  for mode in local farm; do
    line=$(run "$mode" "$n")
    echo "$line"
    results+=("$line")
  done
done
printf '%s\n' "${results[@]}" | /usr/bin/python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
out = {"summary": True, "machine": "2-core VM, shared"}
for mode in ("local", "farm"):
    r = [x for x in rows if x["mode"] == mode]
    out[mode] = {"median_seconds": statistics.median(x["seconds"] for x in r),
                 "median_per_second": statistics.median(x["per_second"] for x in r),
                 "measured": [x["measured"] for x in r]}
out["farm_over_local"] = round(out["farm"]["median_per_second"] / out["local"]["median_per_second"], 3)
print(json.dumps(out))'
