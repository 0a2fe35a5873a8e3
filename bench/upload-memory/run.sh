#!/usr/bin/env bash
# Memory cost of uploading a 10 MiB file: starts PostgreSQL and Azurite like ./checkup does, then runs the
# measurement in Release. Honours CHECKUP_PG_PORT / CHECKUP_AZURITE_PORT. Needs curl.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
while IFS= read -r setting; do export "${setting?}"; done < <("$root/checkup" stack)
dotnet run -c Release --project "$root/bench/upload-memory/UploadMemory.csproj" -- "${1:-10}" "${2:-10}"   # arguments: measured uploads, file size in MiB
