#!/usr/bin/env bash
# The sandbox as a Python team gets it: build the wheel (wheel.sh), `pip install` it into a fresh
# virtualenv, check that the installed `synctera-sandbox --print-spec` is openapi/synctera.yaml
# byte for byte, generate a Python client from that output with the pinned
# openapi-python-client, start the installed binary on loopback and drive the onboarding flow
# (python/test_onboarding.py) through the generated client, then register a webhook and verify
# a delivery's signature with Python's hmac, from the spec's description alone
# (python/test_webhooks.py); last, run the pytest fixture the READMEs show
# (python/examples/pytest_fixture.py) as plain python3 against the installed binary.
#
# Env: CARGO_TARGET_DIR (default <repo>/target). Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
HERE="$ROOT/crates/synctera-sandbox"
# shellcheck source=tools.sh
source "$HERE/scripts/tools.sh"
install_packaging_tools

bash "$HERE/scripts/wheel.sh"
WHEEL="$(ls "${CARGO_TARGET_DIR:-$ROOT/target}"/wheels/synctera_sandbox-*.whl)"

WORK="$(mktemp -d)"
PID=""
cleanup() {
    if [[ -n "$PID" ]]; then
        kill -INT "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "==> pip install $(basename "$WHEEL") into a fresh virtualenv"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$WHEEL"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/python/requirements.txt"
BIN="$WORK/venv/bin/synctera-sandbox"
[[ -x "$BIN" ]] || { echo "the wheel did not install synctera-sandbox into the venv's bin/" >&2; exit 1; }

echo "==> synctera-sandbox --print-spec is openapi/synctera.yaml, byte for byte"
"$BIN" --print-spec >"$WORK/spec.yaml"
cmp "$WORK/spec.yaml" "$ROOT/openapi/synctera.yaml"

echo "==> openapi-python-client $OPENAPI_PYTHON_CLIENT_VERSION generate (from --print-spec)"
"$TOOLS_VENV/bin/openapi-python-client" generate --path "$WORK/spec.yaml" \
    --config "$HERE/python/openapi-python-client.yaml" --meta none \
    --output-path "$WORK/client/synctera_client" >"$WORK/generate.log" 2>&1 \
    || { cat "$WORK/generate.log" >&2; exit 1; }
# A warning means part of the spec was dropped from the client: that is a failure here.
if grep -q "Warning" "$WORK/generate.log"; then
    cat "$WORK/generate.log" >&2
    exit 1
fi

KEY="wheel-test-$(date +%s)"
# The key goes through the environment, not the argument list other users can read in `ps`.
SYNCTERA_SANDBOX_API_KEYS="$KEY" "$BIN" --listen 127.0.0.1:0 >"$WORK/url" 2>/dev/null &
PID=$!
for _ in $(seq 1 300); do
    [[ -s "$WORK/url" ]] && break
    kill -0 "$PID" 2>/dev/null || { echo "the installed sandbox exited before it was ready" >&2; exit 1; }
    sleep 0.1
done
BASE="$(head -n1 "$WORK/url")"
[[ "$BASE" == http://127.0.0.1:* ]] || { echo "no loopback base URL from the sandbox: '$BASE'" >&2; exit 1; }
echo "==> installed sandbox at $BASE: onboarding flow through the generated client"
SYNCTERA_BASE_URL="$BASE" SYNCTERA_API_KEY="$KEY" PYTHONPATH="$WORK/client" \
    "$WORK/venv/bin/python" "$HERE/python/test_onboarding.py"
echo "==> webhooks: a delivery to a Python receiver on loopback, verified with hmac"
SYNCTERA_BASE_URL="$BASE" SYNCTERA_API_KEY="$KEY" PYTHONPATH="$WORK/client" \
    "$WORK/venv/bin/python" "$HERE/python/test_webhooks.py"
echo "==> the READMEs' pytest fixture (python/examples/pytest_fixture.py), plain python3"
# The venv is not activated: its bin/ goes first on PATH, where the fixture looks for the binary.
PATH="$WORK/venv/bin:$PATH" "$WORK/venv/bin/python" "$HERE/python/examples/pytest_fixture.py"
