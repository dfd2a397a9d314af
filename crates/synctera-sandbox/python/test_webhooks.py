"""Webhooks as a Python team meets them: a webhook registered on the installed sandbox through
the client openapi-python-client generated from its `--print-spec`, a delivery received by a
small HTTP server on loopback, and its signature verified with the standard library's `hmac`,
following the spec's description of the `eventDelivery` callback alone (HMAC-SHA256 keyed with
the secret over `{Request-Timestamp}.{raw body}`, lower-case hex, `.`-separated during a
rotation). Run by scripts/wheel_test.sh with SYNCTERA_BASE_URL and SYNCTERA_API_KEY set.
"""

import hashlib
import hmac
import json
import os
import queue
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from synctera_client import AuthenticatedClient
from synctera_client.api.persons import create_person
from synctera_client.api.webhooks import (
    create_secret,
    create_webhook,
    get_event,
    trigger_event,
)
from synctera_client.models import (
    CreatePersonRequest,
    Person,
    TriggerEventRequest,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    WebhookInput,
    WebhookSecret,
)

TOLERANCE_SECONDS = 300
DELIVERIES: "queue.Queue[tuple[str | None, str | None, bytes]]" = queue.Queue()


class Receiver(BaseHTTPRequestHandler):
    """Keeps each delivery's two headers and raw body, and answers 200."""

    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        DELIVERIES.put(
            (self.headers.get("Request-Timestamp"), self.headers.get("Synctera-Signature"), raw)
        )
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args) -> None:
        pass


def verified(secrets: list[str], timestamp: str | None, header: str | None, raw: bytes) -> bool:
    """The spec's check: a fresh timestamp and any signature matching any secret held."""
    if timestamp is None or header is None or not timestamp.isdigit():
        return False
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    signed = timestamp.encode("ascii") + b"." + raw
    for secret in secrets:
        expected = hmac.new(secret.encode("ascii"), signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, given) for given in header.split(".")):
            return True
    return False


def expect(response, status, model):
    assert response.status_code == status, (response.status_code, response.content)
    assert isinstance(response.parsed, model), (type(response.parsed), response.content)
    return response.parsed


def next_delivery():
    try:
        return DELIVERIES.get(timeout=20)
    except queue.Empty:
        raise AssertionError("no delivery within 20 seconds") from None


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/synctera"

    client = AuthenticatedClient(
        base_url=os.environ["SYNCTERA_BASE_URL"], token=os.environ["SYNCTERA_API_KEY"]
    )
    secret = expect(create_secret.sync_detailed(client=client), HTTPStatus.CREATED, WebhookSecret)
    assert len(secret.secret) == 64
    webhook = expect(
        create_webhook.sync_detailed(
            client=client,
            body=WebhookInput.from_dict(
                {"url": url, "enabled_events": ["PERSON.*"], "is_enabled": True, "metadata": "py"}
            ),
        ),
        HTTPStatus.CREATED,
        Webhook,
    )

    person = expect(
        create_person.sync_detailed(
            client=client,
            body=CreatePersonRequest.from_dict(
                {"status": "PROSPECT", "email": "anne.baker@example.com", "is_customer": True}
            ),
        ),
        HTTPStatus.CREATED,
        Person,
    )
    timestamp, signature, raw = next_delivery()
    assert verified([secret.secret], timestamp, signature, raw), "the signature does not verify"
    assert not verified(["0" * 64], timestamp, signature, raw), "a wrong secret verifies"
    assert not verified([secret.secret], timestamp, signature, raw + b" "), "a changed body verifies"
    stale = str(int(timestamp) - TOLERANCE_SECONDS - 1)
    assert not verified([secret.secret], stale, signature, raw), "an old timestamp verifies"

    # Only now, verified, is the body parsed.
    delivery = WebhookDelivery.from_dict(json.loads(raw))
    assert delivery.type_.value == "PERSON.CREATED", delivery.type_
    assert delivery.resource_id == person.id
    assert delivery.webhook_id == webhook.id
    assert delivery.metadata == "py"
    resource = json.loads(delivery.event_resource)
    assert resource["id"] == str(person.id) and resource["email"] == "anne.baker@example.com"

    event = expect(
        get_event.sync_detailed(webhook.id, delivery.id, client=client), HTTPStatus.OK, WebhookEvent
    )
    # The attempt is recorded once the receiver's answer is in: wait for it, boundedly.
    for _ in range(100):
        if event.status.value == "SUCCESS":
            break
        time.sleep(0.1)
        event = get_event.sync_detailed(webhook.id, delivery.id, client=client).parsed
    assert event.status.value == "SUCCESS", event.status
    assert event.response_history[0].code == 200

    sample = expect(
        trigger_event.sync_detailed(
            client=client, body=TriggerEventRequest.from_dict({"event": "PERSON.UPDATED"})
        ),
        HTTPStatus.OK,
        WebhookEvent,
    )
    timestamp, signature, raw = next_delivery()
    assert verified([secret.secret], timestamp, signature, raw)
    assert WebhookDelivery.from_dict(json.loads(raw)).id == sample.id

    server.shutdown()
    print("webhooks: 2 deliveries received and verified with hmac (PERSON.CREATED, a sample)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
