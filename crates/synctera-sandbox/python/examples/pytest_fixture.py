"""Run synctera-sandbox (pip install synctera-sandbox) from Python tests, standard library only.

`sandbox(state_file)` starts the installed binary on a free loopback port, yields its base URL
and stops it with SIGTERM; `synctera_base_url` is the pytest fixture. Copy both into your
conftest.py.
"""

import contextlib
import os
import subprocess

API_KEY = "test-key"


@contextlib.contextmanager
def sandbox(state_file, api_key=API_KEY):
    proc = subprocess.Popen(
        # 127.0.0.1:0: the OS picks a free port, so parallel test runs never clash.
        # --state: records survive a crash or a restart (the default keeps them in memory).
        ["synctera-sandbox", "--listen", "127.0.0.1:0", "--state", str(state_file)],
        # The accepted key (comma-separate several) goes through the environment, which other
        # users cannot read in `ps` as they can --api-key. Without any key, every key works.
        env={**os.environ, "SYNCTERA_SANDBOX_API_KEYS": api_key},
        stdout=subprocess.PIPE,  # one line, the base URL, once it serves; logs go to stderr
        text=True,
    )
    try:
        base_url = proc.stdout.readline().strip()  # http://127.0.0.1:<port>/v0
        if not base_url:
            raise RuntimeError(f"synctera-sandbox did not start (exit status {proc.wait()})")
        yield base_url
    finally:
        proc.terminate()  # SIGTERM: open requests are finished, then it exits with status 0
        status = proc.wait(timeout=30)
        proc.stdout.close()
    if status != 0:
        raise RuntimeError(f"synctera-sandbox exited with status {status}")


try:
    import pytest
except ImportError:  # the self-check below runs without pytest
    pytest = None

if pytest is not None:

    @pytest.fixture
    def synctera_base_url(tmp_path):
        with sandbox(tmp_path / "sandbox.db") as base_url:
            yield base_url


# ---- Self-check, not part of the README's copy: `python3 pytest_fixture.py` runs the sandbox
# on PATH (scripts/wheel_test.sh: the one the wheel installed) through the code above.

import json  # noqa: E402
import tempfile  # noqa: E402
import urllib.request  # noqa: E402

# No proxy: one set in the environment (HTTP_PROXY) would otherwise get the loopback requests.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(method, url, body=None):
    request = urllib.request.Request(
        url,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
    )
    with OPENER.open(request, timeout=10) as response:
        return response.status, json.load(response)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        state_file = os.path.join(tmp, "sandbox.db")
        with sandbox(state_file) as base_url:
            status, person = call(
                "POST", f"{base_url}/persons", {"status": "PROSPECT", "is_customer": True}
            )
            assert status == 201, status
        # A second sandbox on the same file serves what the first stored.
        with sandbox(state_file) as base_url:
            status, again = call("GET", f"{base_url}/persons/{person['id']}")
            assert (status, again["id"]) == (200, person["id"]), (status, again)
    print("pytest_fixture.py: sandbox started, used, stopped and restarted on its state file")
