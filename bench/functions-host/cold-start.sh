#!/usr/bin/env bash
# The local Functions host's cold start: seconds from launching tools/FunctionsHost on the sample worker
# (tests/SampleWorker) to its first 200, median of N runs (default 5). Needs AzureWebJobsStorage (./checkup stack
# prints it) and built projects: dotnet build tools/FunctionsHost && dotnet build tests/SampleWorker.
# Also prints, per run, the seconds from killing the worker process to the next 200 (the host starts a new one).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CONFIGURATION="${CONFIGURATION:-Debug}"
RUNS="${1:-5}"
PORT="${FUNCTIONS_HOST_BENCH_PORT:-7391}"
: "${AzureWebJobsStorage:?set AzureWebJobsStorage (./checkup stack prints it)}"
export AzureWebJobsStorage AzureFunctionsWebHost__hostid="bench-$$"
host_dll="$ROOT/tools/FunctionsHost/bin/$CONFIGURATION/net10.0/FunctionsHost.dll"
sample="$ROOT/tests/SampleWorker/bin/$CONFIGURATION/net10.0"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { print b - a }'; }
first_200() { # $1 url; waits up to 120 s
  for ((i = 0; i < 2400; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return 0
    sleep 0.05
  done
  return 1
}
cold=() restart=()
for ((run = 1; run <= RUNS; run++)); do
  log=$(mktemp)
  start=$(now)
  dotnet "$host_dll" --script-root "$sample" --port "$PORT" >"$log" 2>&1 &
  pid=$!
  first_200 "http://localhost:$PORT/api/hello/bench" || { cat "$log"; kill "$pid"; exit 1; }
  cold+=("$(since "$start")")
  worker=$(grep -oP 'Worker process started \(pid \K[0-9]+' "$log" | head -1)
  killed=$(now)
  kill -9 "$worker"
  sleep 0.2
  first_200 "http://localhost:$PORT/api/hello/bench" || { cat "$log"; kill "$pid"; exit 1; }
  restart+=("$(since "$killed")")
  kill -TERM "$pid"
  wait "$pid" || true
  rm -f "$log"
  printf 'run %d: cold start %.2f s, worker kill to 200 %.2f s\n' "$run" "${cold[-1]}" "${restart[-1]}"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
printf 'median of %d: cold start %.2f s, worker kill to serving again %.2f s\n' "$RUNS" "$(median "${cold[@]}")" "$(median "${restart[@]}")"
