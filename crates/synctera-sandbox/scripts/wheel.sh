#!/usr/bin/env bash
# Build the sandbox's Python wheel (target/wheels/synctera_sandbox-*.whl) with a pinned maturin,
# installed on first use into .tools/packaging (a virtualenv of the project's own tools).
#
# Env: CARGO_TARGET_DIR (default <repo>/target).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
# shellcheck source=tools.sh
source "$ROOT/crates/synctera-sandbox/scripts/tools.sh"
install_packaging_tools

OUT="${CARGO_TARGET_DIR:-$ROOT/target}/wheels"
rm -f "$OUT"/synctera_sandbox-*.whl
echo "==> maturin $MATURIN_VERSION build (release) into $OUT"
"$TOOLS_VENV/bin/maturin" build --quiet --manifest-path "$ROOT/crates/synctera-sandbox/Cargo.toml" --out "$OUT"
ls -l "$OUT"/synctera_sandbox-*.whl
