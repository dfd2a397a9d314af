#!/usr/bin/env python3
"""Instructions the sandbox spends per request (callgrind): the deterministic companion of the
throughput bench, whose ratios move with the load on a shared machine.

    python3 crates/synctera-sandbox/benches/instructions.py [BINARY]

BINARY defaults to target/release/synctera-sandbox (built first with `cargo build --release -p
synctera-sandbox`). Each figure is the difference of two runs, LOW and HIGH requests (env, default
100 and 600), divided by HIGH - LOW, so start-up and set-up cancel out. Lines:

- createPerson with no webhook; with a `PERSON.*` webhook whose receiver never answers; with one
  whose receiver answers 200 (that line includes the delivery's own HTTP exchange);
- listPersons?limit=100 over 150 persons (the first page, served from cached views);
- getPerson of one stored person (its cached view).

Only loopback is used: the sandbox and the receivers listen on 127.0.0.1.
"""
import glob
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "synctera-sandbox")
LOW, HIGH = int(os.environ.get("LOW", 100)), int(os.environ.get("HIGH", 600))
HEADERS = {"authorization": "Bearer instructions", "content-type": "application/json"}
PERSON = {
    "status": "ACTIVE", "is_customer": True, "first_name": "Ada", "last_name": "Lovelace",
    "email": "ada@example.com", "phone_number": "+12125550123", "dob": "1990-01-01",
    "ssn": "123-45-6789",
    "legal_address": {"address_line_1": "50 Main St", "city": "New York", "state": "NY",
                      "postal_code": "12345", "country_code": "US"},
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def receiver(answers):
    """A loopback HTTP receiver: answers 200 to each request, or never answers."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)

    def connection(c):
        buf = b""
        while True:
            data = c.recv(65536)
            if not data:
                return
            buf += data
            while b"\r\n\r\n" in buf:
                head, rest = buf.split(b"\r\n\r\n", 1)
                m = re.search(rb"content-length: *(\d+)", head, re.I)
                n = int(m.group(1)) if m else 0
                if len(rest) < n:
                    break
                buf = rest[n:]
                if answers:
                    c.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")

    def accept():
        while True:
            c, _ = srv.accept()
            threading.Thread(target=connection, args=(c,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return srv.getsockname()[1]


def measured(n, setup, request, settle=0.2):
    """Total instructions of a sandbox run that serves `setup` and then `n` requests."""
    port = free_port()
    out = tempfile.mktemp(prefix="sandbox-cg.")
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", BIN,
         "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def call(method, path, body=None):
            conn.request(method, path, None if body is None else json.dumps(body), HEADERS)
            r = conn.getresponse()
            answer = r.read()
            assert r.status < 300, (method, path, r.status)
            return answer

        setup(call)
        for i in range(n):
            request(call, i)
        time.sleep(settle)
    finally:
        proc.send_signal(2)
        proc.wait(60)
    text = open(out).read()
    for f in glob.glob(out + "*"):
        os.remove(f)
    return int(re.search(r"^summary: (\d+)", text, re.M).group(1))


def per_request(setup, request, settle=0.2):
    low = measured(LOW, setup, request, settle)
    high = measured(HIGH, setup, request, settle)
    return (high - low) / (HIGH - LOW)


def create(call, i):
    """Creates a person; returns its id."""
    return json.loads(call("POST", "/v0/persons", dict(PERSON, first_name=f"Ada{i}")))["id"]


def with_webhook(answers):
    def setup(call):
        port = receiver(answers)
        call("POST", "/v0/webhook_secrets", {})
        call("POST", "/v0/webhooks", {"url": f"http://127.0.0.1:{port}/hook",
                                      "enabled_events": ["PERSON.*"], "is_enabled": True})
    return setup


def fill(call):
    for i in range(150):
        create(call, i)


def main():
    base = per_request(lambda call: None, create)
    print(f"createPerson, no webhook          {base:>9,.0f} instructions")
    for label, answers in [("receiver hangs", False), ("receiver answers", True)]:
        n = per_request(with_webhook(answers), create, settle=1.0 if answers else 0.2)
        print(f"createPerson, {label:<20}{n:>9,.0f} instructions  ({n / base:.2f}x no webhook)")
    page = per_request(fill, lambda call, i: call("GET", "/v0/persons?limit=100"))
    print(f"listPersons?limit=100             {page:>9,.0f} instructions")
    stored = {}

    def one(call):
        stored["id"] = create(call, 0)

    got = per_request(one, lambda call, i: call("GET", f"/v0/persons/{stored['id']}"))
    print(f"getPerson                         {got:>9,.0f} instructions")


if __name__ == "__main__":
    main()
