# Sourced by wheel.sh and wheel_test.sh: the pinned Python packaging tools, installed from PyPI
# on first use (or when a pin changes) into $ROOT/.tools/packaging.
MATURIN_VERSION="1.16.0"
OPENAPI_PYTHON_CLIENT_VERSION="0.29.1"
TOOLS_VENV="$ROOT/.tools/packaging"

install_packaging_tools() {
    local want="maturin==$MATURIN_VERSION openapi-python-client==$OPENAPI_PYTHON_CLIENT_VERSION"
    if [[ "$(cat "$TOOLS_VENV/.pins" 2>/dev/null)" != "$want" ]]; then
        echo "==> installing $want into $TOOLS_VENV"
        python3 -m venv "$TOOLS_VENV"
        # shellcheck disable=SC2086
        "$TOOLS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check $want
        echo "$want" >"$TOOLS_VENV/.pins"
    fi
}
