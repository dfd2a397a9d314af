"""The onboarding flow of Synctera's "Create a personal customer" guide, driven through a Python
client that openapi-python-client generated from the installed sandbox's `--print-spec`: what a
Python team does on its first day. Run by scripts/wheel_test.sh with the sandbox's base URL and
API key in SYNCTERA_BASE_URL and SYNCTERA_API_KEY.
"""

import os
import sys
from http import HTTPStatus

from synctera_client import AuthenticatedClient
from synctera_client.api.customers import get_customer
from synctera_client.api.disclosures import create_disclosure
from synctera_client.api.persons import create_person, get_person, update_person
from synctera_client.api.verifications import verify
from synctera_client.models import (
    CreateDisclosureRequest,
    CreatePersonRequest,
    Customer,
    Disclosure,
    Person,
    Problem,
    UpdatePersonRequest,
    VerifyRequest,
    VerifyResponse,
)


def expect(response, status, model):
    """The parsed body of a response that must have `status` and parse as `model`."""
    assert response.status_code == status, (response.status_code, response.content)
    assert isinstance(response.parsed, model), (type(response.parsed), response.content)
    return response.parsed


def main() -> int:
    client = AuthenticatedClient(
        base_url=os.environ["SYNCTERA_BASE_URL"], token=os.environ["SYNCTERA_API_KEY"]
    )

    prospect = expect(
        create_person.sync_detailed(
            client=client,
            body=CreatePersonRequest.from_dict(
                {"status": "PROSPECT", "email": "anne.baker@example.com", "is_customer": True}
            ),
        ),
        HTTPStatus.CREATED,
        Person,
    )
    assert prospect.status.value == "PROSPECT"
    assert prospect.verification_status.value == "UNVERIFIED"

    disclosure = expect(
        create_disclosure.sync_detailed(
            client=client,
            body=CreateDisclosureRequest.from_dict(
                {
                    "person_id": str(prospect.id),
                    "type": "REG_DD",
                    "version": "1.0",
                    "event_type": "ACKNOWLEDGED",
                    "disclosure_date": "2022-04-17T02:04:34Z",
                }
            ),
        ),
        HTTPStatus.CREATED,
        Disclosure,
    )
    assert disclosure.person_id == prospect.id

    active = expect(
        update_person.sync_detailed(
            prospect.id,
            client=client,
            body=UpdatePersonRequest.from_dict(
                {
                    "status": "ACTIVE",
                    "first_name": "Anne",
                    "last_name": "Baker",
                    "dob": "2000-01-01",
                    "phone_number": "+12124567890",
                    "ssn": "123-45-6789",
                    "legal_address": {
                        "address_line_1": "50 Main St",
                        "city": "New York",
                        "state": "NY",
                        "postal_code": "12345",
                        "country_code": "US",
                    },
                }
            ),
        ),
        HTTPStatus.OK,
        Person,
    )
    assert active.status.value == "ACTIVE"

    kyc = expect(
        verify.sync_detailed(
            client=client,
            body=VerifyRequest.from_dict(
                {
                    "person_id": str(prospect.id),
                    "customer_consent": True,
                    "customer_ip_address": "192.0.2.10",
                }
            ),
        ),
        HTTPStatus.CREATED,
        VerifyResponse,
    )
    assert kyc.verification_status.value == "ACCEPTED"

    person = expect(get_person.sync_detailed(prospect.id, client=client), HTTPStatus.OK, Person)
    assert person.verification_status.value == "ACCEPTED"
    assert person.ssn == "6789", "the SSN is read back masked to its last four digits"
    assert person.legal_address.city == "New York"

    customer = expect(get_customer.sync_detailed(prospect.id, client=client), HTTPStatus.OK, Customer)
    assert customer.id == person.id, "one record, two views, one id"
    assert customer.kyc_status.value == "ACCEPTED"

    # The spec's error model reaches Python too: a bad request is a typed problem, not a crash.
    bad = create_person.sync_detailed(
        client=client,
        body=CreatePersonRequest.from_dict({"status": "ACTIVE", "is_customer": True}),
    )
    problem = expect(bad, HTTPStatus.BAD_REQUEST, Problem)
    assert problem.status == 400

    print(f"onboarding flow passed for person {person.id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
