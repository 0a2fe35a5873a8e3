#!/usr/bin/env bash
# Builds the deployable Functions package for the runtime `dotnet-isolated` (Flex Consumption, zip deploy): the
# self-contained linux-x64 publish output of Checkup.Functions, zipped with these at its root, where the Functions host
# looks for them:
#   host.json            the host's settings (queues, timeout, logging, route prefix)
#   functions.metadata   every function with its trigger and bindings (written by the Worker SDK at build)
#   worker.config.json   how the host starts the worker: {WorkerRoot}Checkup.Functions, the self-contained executable
#   extensions.json      the host-side binding extensions the worker needs (queues, timer, HTTP proxying)
#   .azurefunctions/     those extensions' assemblies, loaded by the host
# and the executable with its run bit. No function.json folders: an isolated worker describes its functions itself.
#
#   tools/publish.sh [OUTDIR]     default artifacts/: OUTDIR/checkup-functions/ and OUTDIR/checkup-functions.zip
#
# It builds in .local/publish (--artifacts-path), apart from bin/ and obj/, so publishing never disturbs a running
# `dotnet test` or `./checkup run`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(mkdir -p "${1:-$ROOT/artifacts}" && cd "${1:-$ROOT/artifacts}" && pwd)"
STAGE="$OUT/checkup-functions"
ZIP="$OUT/checkup-functions.zip"
APP=Checkup.Functions

die() { printf 'publish: %s\n' "$*" >&2; exit 1; }
command -v dotnet >/dev/null || die "dotnet is missing: install the .NET 10 SDK."
command -v zip >/dev/null || die "zip is missing: 'apt-get install zip'."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
rm -rf "$STAGE" "$ZIP"
started=$SECONDS
# ReadyToRun: on a serverless plan every cold start pays the JIT; precompiled code cuts the worker's start
# (bench/run: about 690 -> 560 ms to the first healthy answer) for ~13 MB more package.
# Composite: the framework and the app precompiled as one image, so the framework's code that start-up runs needs no
# JIT either (on a loaded 2-core machine, 25-40 % less time to the first healthy answer than per-assembly ReadyToRun;
# the zip grows from about 60 to 71 MB and publishing takes several minutes longer).
dotnet publish "$ROOT/$APP/$APP.csproj" -c Release -r linux-x64 --self-contained -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true \
  --artifacts-path "$ROOT/.local/publish" -o "$STAGE" --nologo -v quiet -clp:ErrorsOnly >&2 ||
  die "dotnet publish failed (the linux-x64 runtime packs come from NuGet: check that it is reachable)"

# The layout the host needs; a missing piece here would only show on Azure as "no functions found" or a worker that
# never starts.
for file in host.json functions.metadata worker.config.json extensions.json; do
  [ -f "$STAGE/$file" ] || die "$file is missing from the publish output (the Worker SDK writes it: Microsoft.Azure.Functions.Worker.Sdk)"
done
[ -d "$STAGE/.azurefunctions" ] || die ".azurefunctions/ (the host's binding extensions) is missing from the publish output"
[ -x "$STAGE/$APP" ] || die "the $APP executable is missing or not executable"
grep -q "{WorkerRoot}$APP\"" "$STAGE/worker.config.json" ||
  die "worker.config.json does not start the self-contained executable ({WorkerRoot}$APP): $(tr -d '\n' <"$STAGE/worker.config.json")"

# The image decoder (NetVips) needs libvips and its dependencies beside the executable (NetVips.Native.linux-x64).
[ -f "$STAGE/libvips.so.42" ] || die "libvips.so.42 is missing from the publish output (NetVips.Native.linux-x64)"

# zip keeps unix modes (made-by unix, external attributes); -X leaves out extra uid/gid and timestamp fields.
(cd "$STAGE" && zip -qr -X "$ZIP" .)
printf 'publish: %s (%s, %s s)\n' "$ZIP" "$(du -h "$ZIP" | cut -f1)" "$((SECONDS - started))" >&2
echo "$ZIP"
