#!/usr/bin/env bash
# Cost of removing personal metadata from one photo, per candidate library (see README.md). No services needed.
#   bench/image-strip/run.sh [MEGAPIXELS=12] [ROUNDS=5]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dotnet run -c Release --project "$root/bench/image-strip/ImageStrip.csproj" -- "${1:-12}" "${2:-5}"
