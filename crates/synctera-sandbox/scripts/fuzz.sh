#!/usr/bin/env bash
# Property-based run of schemathesis against a freshly started sandbox.
#
# Checks: no server error, every status documented, documented content type, and every
# response body valid against the spec's schema. Exits non-zero on any finding.
#
# Env: FUZZ_MAX_EXAMPLES (default 40 per operation), FUZZ_SEED (default 1),
#      CARGO_TARGET_DIR (where the binary is built; default <repo>/target).
# One worker: with several, CPython 3.11 intermittently crashes inside hypothesis' code
# generation ("AST constructor recursion depth mismatch"), a tool error, not a finding.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
SPEC="$ROOT/openapi/synctera.yaml"
VENV="$ROOT/.tools/venv"
SCHEMATHESIS_VERSION="4.32.5"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-40}"
SEED="${FUZZ_SEED:-1}"
KEY="fuzz-key-$(date +%s)"

if [[ ! -x "$VENV/bin/schemathesis" ]] || ! "$VENV/bin/python" -m pip show schemathesis 2>/dev/null | grep -q "^Version: $SCHEMATHESIS_VERSION\$"; then
    echo "==> installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

echo "==> building the sandbox binary"
cargo build --quiet --manifest-path "$ROOT/Cargo.toml" -p synctera-sandbox --bin synctera-sandbox
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/synctera-sandbox"

OUT="$(mktemp)"
# The key goes through the environment, not the argument list other users can read in `ps`.
SYNCTERA_SANDBOX_API_KEYS="$KEY" "$BIN" --listen 127.0.0.1:0 >"$OUT" 2>/dev/null &
PID=$!
cleanup() {
    kill -INT "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    rm -f "$OUT"
}
trap cleanup EXIT

for _ in $(seq 1 300); do
    [[ -s "$OUT" ]] && break
    kill -0 "$PID" 2>/dev/null || { echo "sandbox exited before it was ready" >&2; exit 1; }
    sleep 0.1
done
BASE="$(head -n1 "$OUT")"
[[ -n "$BASE" ]] || { echo "sandbox did not print its base URL" >&2; exit 1; }
echo "==> sandbox at $BASE"

"$VENV/bin/schemathesis" run "$SPEC" \
    --url "$BASE" \
    --header "Authorization: Bearer $KEY" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$MAX_EXAMPLES" \
    --seed "$SEED" \
    --workers 1 \
    --no-color
