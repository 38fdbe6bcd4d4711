"""A partner's program in Python, on the client openapi-python-client generates from
openapi/openapi.json (check.sh generates it into build/ and runs this against a live server).

An admin logs in, creates an organisation, an event (online and onsite, with seats kept for
people without a device) and an API client for a volunteer's tablet, and publishes the event.
The tablet gets a partner token, subscribes to the changes of its registrations and registers
someone; the webhook post that follows is verified with the official `standardwebhooks`
package, as any subscriber would. A problem answer is read through its typed `code`.

Environment: HYBRID_EVENTS_URL, ADMIN_EMAIL, ADMIN_PASSWORD.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import queue
import sys
import threading
import uuid

from standardwebhooks import Webhook, WebhookVerificationError

from hybrid_events_client import AuthenticatedClient, Client
from hybrid_events_client.api.auth import login, token
from hybrid_events_client.api.events import create_event, get_event, publish_event
from hybrid_events_client.api.organisations import create_api_client, create_organisation
from hybrid_events_client.api.registrations import create_registration, get_registration
from hybrid_events_client.api.webhooks import create_webhook
from hybrid_events_client.models import (
    ApiClientCreated,
    AttendanceMode,
    Consent,
    CreateApiClient,
    CreateEvent,
    CreateOrganisation,
    CreateRegistration,
    CreateWebhook,
    Event,
    EventStatusView,
    InvalidTransitionProblem,
    InvalidTransitionProblemCode,
    LoginRequest,
    OnlineInput,
    OnsiteInput,
    Organisation,
    OrganisationKind,
    ParticipantInput,
    Registration,
    RegistrationStatus,
    StakeholderCategory,
    TokenRequest,
    TokenResponse,
    WebhookCreated,
    WebhookEventType,
)


def expect(answer, kind):
    """The answer when it is of `kind`, else a failure that shows the problem."""
    if not isinstance(answer, kind):
        code = getattr(answer, "code", None)
        sys.exit(f"expected {kind.__name__}, got {type(answer).__name__} {code!r}: {answer!r}")
    return answer


class Receiver(http.server.BaseHTTPRequestHandler):
    """A subscriber's endpoint: keeps each post (headers and raw body) and answers 204."""

    posts: queue.Queue = queue.Queue()

    def do_POST(self):  # noqa: N802 (the name http.server calls)
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.posts.put((headers, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def main() -> None:
    base_url = os.environ["HYBRID_EVENTS_URL"]
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)

    # The organiser's side: an admin here, who could as well be an organiser.
    tokens = expect(
        login.sync(
            client=anonymous,
            body=LoginRequest(email=os.environ["ADMIN_EMAIL"], password=os.environ["ADMIN_PASSWORD"]),
        ),
        TokenResponse,
    )
    admin = AuthenticatedClient(base_url=base_url, token=tokens.access_token, raise_on_unexpected_status=True)
    suffix = uuid.uuid4().hex[:8]
    organisation = expect(
        create_organisation.sync(
            client=admin, body=CreateOrganisation(name=f"Fundación CEPAIM {suffix}", kind=OrganisationKind.NGO)
        ),
        Organisation,
    )

    starts = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=7)).replace(microsecond=0)
    event = expect(
        create_event.sync(
            client=admin,
            body=CreateEvent(
                title="Fourth regional roundtable",
                organisation_id=organisation.id,
                region="Soria",
                series="Regional multi-stakeholder cooperation platform",
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=3),
                timezone="Europe/Madrid",
                languages=["es", "ar"],
                online=OnlineInput(join_url="https://meet.example.org/soria-4", capacity=None),
                onsite=OnsiteInput(
                    venue_name="CEPAIM Soria", address="Soria", capacity=10, reserved_for_physical_space_need=3
                ),
            ),
        ),
        Event,
    )
    published = expect(publish_event.sync(event.id, client=admin), Event)
    assert published.status == EventStatusView.PUBLISHED, published.status
    print(f"published {published.id} ({published.title}), onsite seats: {published.onsite.capacity}")

    # A problem, read as a client switches on it: a draft can be published once only. Each
    # error answer has a type of its own whose `code` is an enum of what it can be.
    again = publish_event.sync(event.id, client=admin)
    assert isinstance(again, InvalidTransitionProblem), again
    assert again.code == InvalidTransitionProblemCode.INVALID_TRANSITION, again
    assert again.type_ == "/problems/invalid_transition", again
    assert again.instance.startswith("urn:hybrid-events:request:"), again
    print(f"published twice: {again.status} {again.code.value} ({again.instance})")

    # The volunteer's tablet: an API client of the organisation, with a partner token.
    tablet = expect(
        create_api_client.sync(organisation.id, client=admin, body=CreateApiClient(name=f"Tablet {suffix}")),
        ApiClientCreated,
    )
    partner_token = expect(
        token.sync(client=anonymous, body=TokenRequest(client_id=tablet.client_id, client_secret=tablet.client_secret)),
        TokenResponse,
    )
    partner = AuthenticatedClient(base_url=base_url, token=partner_token.access_token, raise_on_unexpected_status=True)
    # Anyone may read a published event.
    assert expect(get_event.sync(event.id, client=anonymous), Event).id == event.id

    # The partner's webhook receiver, on this machine.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    subscription = expect(
        create_webhook.sync(
            client=partner,
            body=CreateWebhook(
                url=f"http://127.0.0.1:{server.server_address[1]}/hooks/hybrid-events",
                event_types=[WebhookEventType.REGISTRATION_CONFIRMED, WebhookEventType.REGISTRATION_WAITLISTED],
            ),
        ),
        WebhookCreated,
    )

    registration = expect(
        create_registration.sync(
            event.id,
            client=partner,
            idempotency_key=f"python-example-{suffix}",
            body=CreateRegistration(
                participant=ParticipantInput(
                    full_name="Amina",
                    phone="+34 600 000 000",
                    preferred_language="ar",
                    stakeholder_category=StakeholderCategory.REFUGEE,
                ),
                attendance_mode=AttendanceMode.ONSITE,
                needs_physical_space=True,
                needs_transport=True,
                interpretation_language="ar",
                consent=Consent(data_processing=True, contact=False),
                interests=["entrepreneurship", "women_employment"],
            ),
        ),
        Registration,
    )
    assert registration.status == RegistrationStatus.CONFIRMED, registration.status
    read = expect(get_registration.sync(registration.id, client=partner), Registration)
    print(f"registered {read.id}: {read.status.value}, {read.attendance_mode.value}")

    # The delivery, verified by the Standard Webhooks library with the subscription's secret.
    try:
        headers, body = Receiver.posts.get(timeout=30)
    except queue.Empty:
        sys.exit("no webhook delivery within 30 s")
    hook = Webhook(subscription.secret)
    message = hook.verify(body, headers)
    assert message["type"] == "registration.confirmed", message
    assert message["registration_id"] == str(registration.id), message
    assert headers["webhook-id"] == message["id"], headers
    try:
        hook.verify(body + b" ", headers)
        sys.exit("a changed body verified")
    except WebhookVerificationError:
        pass
    server.shutdown()
    print(f"webhook {message['type']} {message['id']} verified by standardwebhooks: {json.dumps(message['data'])}")


if __name__ == "__main__":
    main()
