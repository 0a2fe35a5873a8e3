#!/usr/bin/env bash
# Throughput and memory of GET /api/admin/submissions.csv: starts PostgreSQL and Azurite like ./checkup does, then
# runs the measurement in Release. Honours CHECKUP_PG_PORT / CHECKUP_AZURITE_PORT. Needs curl.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
while IFS= read -r setting; do export "${setting?}"; done < <("$root/checkup" stack)
dotnet run -c Release --project "$root/bench/csv-export/CsvExport.csproj" -- "${@:-10000 50000}"   # arguments: submission counts to export
