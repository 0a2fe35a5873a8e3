#!/usr/bin/env bash
# Throughput and memory of GET /api/admin/submissions.csv, on the worker under the local Functions host as on Azure.
#
#   bench/csv-export/run.sh                      10,000 and 50,000 submissions
#   bench/csv-export/run.sh 10000 20000 100000   these counts
#
# Starts PostgreSQL and Azurite like ./checkup does (honours CHECKUP_PG_PORT / CHECKUP_AZURITE_PORT), builds the
# Functions host and bench/Checkup.Bench and publishes the worker in Release exactly as bench/run does (the same
# folders under .local/bench, so either reuses the other's build), then runs the driver's `csv` verb. Needs curl.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/.local/bench"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
command -v curl >/dev/null || { echo "csv-export: curl is missing" >&2; exit 1; }
while IFS= read -r setting; do export "${setting?}"; done < <("$ROOT/checkup" stack)
mkdir -p "$OUT"
export CHECKUP_BENCH_OUT="$OUT"

quiet=(--nologo -v quiet "-clp:ErrorsOnly;NoSummary")
dotnet build "$ROOT/tools/FunctionsHost/FunctionsHost.csproj" -c Release --artifacts-path "$OUT/build-host" "${quiet[@]}" >&2
export CHECKUP_BENCH_HOST="$OUT/build-host/bin/FunctionsHost/release/FunctionsHost.dll"
rm -rf "$OUT/publish/checkup"
dotnet publish "$ROOT/Checkup.Functions/Checkup.Functions.csproj" -c Release -r linux-x64 --self-contained \
  --artifacts-path "$OUT/build-checkup" -o "$OUT/publish/checkup" "${quiet[@]}" >&2
export CHECKUP_BENCH_WORKER="$OUT/publish/checkup"
dotnet build "$ROOT/bench/Checkup.Bench/Checkup.Bench.csproj" -c Release --artifacts-path "$OUT/build" "${quiet[@]}" >&2

counts="${*:-10000 50000}"
exec dotnet "$OUT/build/bin/Checkup.Bench/release/Checkup.Bench.dll" csv --counts "${counts// /,}"
