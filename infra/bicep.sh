#!/usr/bin/env bash
# Builds and lints infra/main.bicep and infra/main.bicepparam with the Bicep CLI from NuGet; any warning fails.
#
#   infra/bicep.sh [--out DIR]    build + build-params + lint; ARM JSON to DIR (default .local/bicep/out)
#   infra/bicep.sh path           fetch the CLI if missing and print its path
#
# The CLI is the NuGet package Azure.Bicep.CommandLine.linux-x64 (a single executable in tools/), fetched once
# into .local/bicep/packages with a throwaway `dotnet restore`, so it comes from the same feed as every other
# package and needs no other download.
set -euo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$INFRA")"
VERSION=0.49.2
PACKAGE=Azure.Bicep.CommandLine.linux-x64
PACKAGES="$ROOT/.local/bicep/packages"
BICEP="$PACKAGES/$(tr '[:upper:]' '[:lower:]' <<<"$PACKAGE")/$VERSION/tools/bicep"
OUT="$ROOT/.local/bicep/out"

die() { printf 'bicep.sh: %s\n' "$*" >&2; exit 1; }

fetch() {
  [ -x "$BICEP" ] && return
  [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "this script fetches the linux-x64 Bicep CLI; on $(uname -s)-$(uname -m) install Bicep yourself and run 'bicep build/lint infra/main.bicep'."
  command -v dotnet >/dev/null || die "dotnet is missing: install the .NET 10 SDK."
  local project
  project="$(mktemp -d)" # outside the repository: its Directory.*.props would apply to the throwaway project
  trap 'rm -rf "$project"' RETURN
  cat >"$project/fetch.csproj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="$PACKAGE" Version="[$VERSION]" /></ItemGroup>
</Project>
PROJ
  printf 'bicep.sh: fetching %s %s from NuGet\n' "$PACKAGE" "$VERSION" >&2
  dotnet restore "$project/fetch.csproj" --packages "$PACKAGES" --nologo -v quiet >&2 || die "dotnet restore of $PACKAGE $VERSION failed: check that NuGet is reachable."
  [ -f "$BICEP" ] || die "$PACKAGE $VERSION has no tools/bicep: the package layout changed."
  chmod +x "$BICEP"
}

# Runs the CLI, shows what it said, and fails on any warning or error (the CLI itself fails only on errors).
run() {
  local log status=0
  log="$(mktemp)"
  "$BICEP" "$@" 2>"$log" || status=$?
  cat "$log" >&2
  if [ "$status" -ne 0 ] || grep -qE ': (Warning|Error) ' "$log"; then
    rm -f "$log"
    die "bicep $1 reported problems (above)"
  fi
  rm -f "$log"
}

case "${1:-}" in
  path)
    fetch
    echo "$BICEP"
    exit 0
    ;;
  --out)
    OUT="${2:?--out needs a folder}"
    ;;
  --run) # internal: one CLI call under the placeholder environment
    shift
    fetch
    run "$@"
    exit 0
    ;;
  "") ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

fetch
mkdir -p "$OUT"
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 # the CLI is a .NET app; this spares it libicu
# Placeholders, not the caller's secrets, for the parameters file: this only checks that it fits the template,
# and the compiled parameters must not carry real secrets into a build folder.
placeholders=(AZURE_ENV_NAME=placeholder AZURE_LOCATION=westeurope CHECKUP_PG_ADMIN_ID=00000000-0000-0000-0000-000000000000 CHECKUP_PG_ADMIN_NAME=placeholder-admin@example.com CHECKUP_CLOUDINARY_URL=cloudinary://key:secret@placeholder CHECKUP_AUTH_SIGNING_KEY=)
run build "$INFRA/main.bicep" --outfile "$OUT/main.json"
env "${placeholders[@]}" "$0" --run build-params "$INFRA/main.bicepparam" --outfile "$OUT/main.parameters.json"
run lint "$INFRA/main.bicep"
env "${placeholders[@]}" "$0" --run lint "$INFRA/main.bicepparam"
printf 'bicep.sh: build and lint clean (Bicep %s); ARM template in %s\n' "$VERSION" "$OUT/main.json" >&2
