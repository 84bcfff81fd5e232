"""Stripe Billing webhook: the owner's plan follows the subscription through signed events, read
back from Stripe with the real SDK (HTTP mocked), recorded once, safe to replay and reorder."""
from datetime import UTC, datetime, timedelta

import pytest
import responses
import time_machine
from django.core import mail
from django.core.management import call_command

from accounts.billing_services import subscriptions_review_due
from accounts.models import Subscription
from accounts.plans import Plan
from payments.models import WebhookEvent
from payments.tests.billing_helpers import DAY, PRICES, event, invoice, mock_subscription_read, subscription, ts
from payments.tests.helpers import STRIPE_API, STRIPE_KEYS, post_stripe_event, stripe_signature

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
T0 = ts(NOW)


@pytest.fixture(autouse=True)
def stripe_keys(settings):
    for name, value in {**STRIPE_KEYS, **PRICES}.items():
        setattr(settings, name, value)
    settings.BILLING_GRACE_DAYS = 7


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mocked:
        yield mocked


def deliver(client, rsps, event_id, event_type, obj, read, *, created=T0):
    """Stripe sends `obj` in the event; reading the subscription back answers `read`."""
    if read is not None:
        mock_subscription_read(rsps, read)
    response = post_stripe_event(client, event(event_id, event_type, obj, created=created))
    assert response.status_code == 200, response.content
    return response


def plan_of(owner) -> str:
    owner.refresh_from_db()
    return owner.plan


def test_a_trial_started_at_checkout_gives_the_team_plan(client, free_owner, rsps):
    sub = subscription(free_owner, status="trialing", start=T0, period_end=T0 + 14 * DAY)

    deliver(client, rsps, "evt_created", "customer.subscription.created", sub, sub)

    assert plan_of(free_owner) == Plan.TEAM
    stored = Subscription.objects.get(owner=free_owner)
    assert (stored.status, stored.stripe_customer_id, stored.stripe_subscription_id) == ("trialing", "cus_1", "sub_1")
    assert stored.current_period_end == NOW + timedelta(days=14)
    assert WebhookEvent.objects.filter(provider="stripe", event_id="evt_created").count() == 1
    assert rsps.calls[0].request.headers["Authorization"] == "Bearer sk_test_123"


def test_a_replayed_event_changes_nothing_and_is_not_read_again(client, free_owner, rsps):
    sub = subscription(free_owner, status="active", start=T0)
    payload = event("evt_once", "customer.subscription.created", sub, created=T0)
    mock_subscription_read(rsps, sub)

    first = post_stripe_event(client, payload)
    second = post_stripe_event(client, payload)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == b"Already processed."
    assert len(rsps.calls) == 1
    assert WebhookEvent.objects.filter(event_id="evt_once").count() == 1
    assert plan_of(free_owner) == Plan.TEAM


def test_every_transition_of_a_subscription_moves_the_plan(client, free_owner, rsps, clock):
    period_2 = T0 + 30 * DAY
    trial = subscription(free_owner, status="trialing", start=T0, period_end=T0 + 14 * DAY)
    deliver(client, rsps, "evt_1", "customer.subscription.created", trial, trial)
    assert plan_of(free_owner) == Plan.TEAM

    # Trial over, first invoice paid.
    active = subscription(free_owner, status="active", start=T0, period_start=T0 + 14 * DAY, period_end=period_2)
    deliver(client, rsps, "evt_2", "invoice.paid", invoice(active), active, created=T0 + 14 * DAY)
    assert plan_of(free_owner) == Plan.TEAM
    assert Subscription.objects.get(owner=free_owner).status == "active"

    # Renewal fails: past due, the plan is kept for the grace period with a banner.
    clock.move_to(datetime.fromtimestamp(period_2, tz=UTC))
    past_due = subscription(free_owner, status="past_due", start=T0, period_start=period_2, period_end=period_2 + 30 * DAY)
    deliver(client, rsps, "evt_3", "invoice.payment_failed", invoice(past_due, status="open"), past_due, created=period_2)
    assert plan_of(free_owner) == Plan.TEAM
    assert free_owner.plan_grace_until == datetime.fromtimestamp(period_2, tz=UTC) + timedelta(days=7)
    client.force_login(free_owner)
    assert "We could not charge your card." in client.get("/dashboard/").content.decode()

    # Card fixed: active again, banner gone.
    fixed = subscription(free_owner, status="active", start=T0, period_start=period_2, period_end=period_2 + 30 * DAY)
    deliver(client, rsps, "evt_4", "invoice.paid", invoice(fixed), fixed, created=period_2 + DAY)
    assert plan_of(free_owner) == Plan.TEAM
    assert free_owner.plan_grace_until is None
    assert "We could not charge your card." not in client.get("/dashboard/").content.decode()

    # Cancelled in the portal: kept until the period ends.
    cancelling = subscription(free_owner, status="active", start=T0, period_start=period_2,
                              period_end=period_2 + 30 * DAY, cancel_at_period_end=True)
    deliver(client, rsps, "evt_5", "customer.subscription.updated", cancelling, cancelling, created=period_2 + 2 * DAY)
    assert plan_of(free_owner) == Plan.TEAM

    # Stripe ends it at the period end: Free.
    clock.move_to(datetime.fromtimestamp(period_2 + 30 * DAY, tz=UTC))
    ended = subscription(free_owner, status="canceled", start=T0, period_start=period_2,
                         period_end=period_2 + 30 * DAY, cancel_at_period_end=True, ended_at=period_2 + 30 * DAY)
    deliver(client, rsps, "evt_6", "customer.subscription.deleted", ended, ended, created=period_2 + 30 * DAY)
    assert plan_of(free_owner) == Plan.FREE
    assert WebhookEvent.objects.filter(provider="stripe").count() == 6


def test_past_due_falls_back_to_free_when_the_grace_period_is_over(client, free_owner, rsps, clock):
    past_due = subscription(free_owner, status="past_due", start=T0 - 40 * DAY, period_start=T0)
    deliver(client, rsps, "evt_pd", "customer.subscription.updated", past_due, past_due)

    clock.move_to(NOW + timedelta(days=6, hours=23))
    subscriptions_review_due()
    assert plan_of(free_owner) == Plan.TEAM

    clock.move_to(NOW + timedelta(days=7, minutes=1))
    call_command("shell", "-c", "from accounts.tasks import review_subscriptions; review_subscriptions()")
    assert plan_of(free_owner) == Plan.FREE
    assert free_owner.plan_grace_until is None


def test_a_subscription_cancelled_at_once_keeps_the_plan_until_the_paid_period_ends(client, free_owner, rsps, clock):
    ended = subscription(free_owner, status="canceled", start=T0 - 10 * DAY, period_start=T0 - 10 * DAY,
                         period_end=T0 + 20 * DAY, ended_at=T0)
    deliver(client, rsps, "evt_del", "customer.subscription.deleted", ended, ended)
    assert plan_of(free_owner) == Plan.TEAM

    clock.move_to(NOW + timedelta(days=20, seconds=1))
    subscriptions_review_due()
    assert plan_of(free_owner) == Plan.FREE


def test_unpaid_after_the_grace_period_is_free(client, free_owner, rsps, clock):
    past_due = subscription(free_owner, status="past_due", start=T0 - 40 * DAY, period_start=T0)
    deliver(client, rsps, "evt_a", "invoice.payment_failed", invoice(past_due, status="open"), past_due)
    clock.move_to(NOW + timedelta(days=8))
    unpaid = subscription(free_owner, status="unpaid", start=T0 - 40 * DAY, period_start=T0)
    deliver(client, rsps, "evt_b", "customer.subscription.updated", unpaid, unpaid, created=T0 + 8 * DAY)
    assert plan_of(free_owner) == Plan.FREE


def test_an_older_read_never_overwrites_a_newer_state(client, free_owner, rsps):
    """Events out of order, and a read that raced a newer one: the subscription's own timestamps
    (its paid period, whether it ended) decide, not the order of arrival."""
    ended = subscription(free_owner, status="canceled", start=T0 - 60 * DAY, period_start=T0 - 30 * DAY,
                         period_end=T0, ended_at=T0)
    deliver(client, rsps, "evt_deleted", "customer.subscription.deleted", ended, ended)
    assert plan_of(free_owner) == Plan.FREE

    stale = subscription(free_owner, status="active", start=T0 - 60 * DAY, period_start=T0 - 60 * DAY,
                         period_end=T0 - 30 * DAY)
    deliver(client, rsps, "evt_created_late", "customer.subscription.created", stale, stale, created=T0 - 60 * DAY)
    deliver(client, rsps, "evt_paid_late", "invoice.paid", invoice(stale), stale, created=T0 - 60 * DAY)

    assert plan_of(free_owner) == Plan.FREE
    stored = Subscription.objects.get(owner=free_owner)
    assert (stored.status, stored.ended_at) == ("canceled", datetime.fromtimestamp(T0, tz=UTC))
    # Both late events are recorded, so Stripe's retries of them stop too.
    assert WebhookEvent.objects.filter(event_id__in=["evt_created_late", "evt_paid_late"]).count() == 2


@pytest.mark.parametrize("order", [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)])
def test_any_delivery_order_of_the_same_events_ends_in_the_same_state(client, free_owner, rsps, order):
    """Three events of one subscription (trial started, first invoice paid, switched to Pro in the
    portal) arrive late and in any order. Stripe answers each read with its current state, except
    the last read, which raced and answers the trial (an older period): it must not win."""
    created = subscription(free_owner, status="trialing", start=T0 - 20 * DAY, period_end=T0 - 6 * DAY)
    paid = subscription(free_owner, status="active", start=T0 - 20 * DAY, period_start=T0 - 6 * DAY, period_end=T0 + 24 * DAY)
    switched = subscription(free_owner, status="active", start=T0 - 20 * DAY, period_start=T0 - 6 * DAY,
                            period_end=T0 + 24 * DAY, price="price_pro_month")
    events = [
        ("evt_c", "customer.subscription.created", created, T0 - 20 * DAY),
        ("evt_p", "invoice.paid", invoice(paid), T0 - 6 * DAY),
        ("evt_s", "customer.subscription.updated", switched, T0 - DAY),
    ]
    reads = [switched, switched, created]
    for position, index in enumerate(order):
        event_id, event_type, body, created_at = events[index]
        deliver(client, rsps, event_id, event_type, body, reads[position], created=created_at)
    for index in order:  # and every event once more: replays read nothing and change nothing
        event_id, event_type, body, created_at = events[index]
        post_stripe_event(client, event(event_id, event_type, body, created=created_at))

    stored = Subscription.objects.get(owner=free_owner)
    assert (stored.status, stored.plan) == ("active", Plan.PRO)
    assert stored.current_period_end == datetime.fromtimestamp(T0 + 24 * DAY, tz=UTC)
    assert plan_of(free_owner) == Plan.PRO
    assert WebhookEvent.objects.filter(provider="stripe").count() == 3
    assert len(rsps.calls) == 3


def test_a_plan_change_in_the_portal_follows_the_new_price(client, owner, rsps):
    sub = subscription(owner, status="active", start=T0, price="price_team_month")
    deliver(client, rsps, "evt_1", "customer.subscription.created", sub, sub)
    assert plan_of(owner) == Plan.TEAM

    downgraded = subscription(owner, status="active", start=T0, price="price_pro_year", metadata={})
    deliver(client, rsps, "evt_2", "customer.subscription.updated", downgraded, downgraded, created=T0 + 60)

    assert plan_of(owner) == Plan.PRO
    assert owner.has_packages is False
    assert Subscription.objects.get(owner=owner).interval == "year"


def test_an_event_for_an_unknown_customer_is_recorded_and_ignored(client, free_owner, rsps):
    stranger = subscription(free_owner, customer="cus_stranger", status="active", start=T0, metadata={})

    response = deliver(client, rsps, "evt_stranger", "customer.subscription.created", stranger, None)
    replay = post_stripe_event(client, event("evt_stranger", "customer.subscription.created", stranger, created=T0))

    assert response.status_code == 200 and replay.content == b"Already processed."
    assert WebhookEvent.objects.filter(event_id="evt_stranger").count() == 1
    assert len(rsps.calls) == 0  # nothing read from Stripe for a customer we do not know
    assert plan_of(free_owner) == Plan.FREE
    assert not Subscription.objects.exists()


def test_an_invoice_of_no_subscription_or_a_price_we_do_not_sell_is_ignored(client, free_owner, rsps):
    one_off = {"id": "in_x", "object": "invoice", "customer": "cus_1", "status": "paid", "parent": None}
    deliver(client, rsps, "evt_inv", "invoice.paid", one_off, None)
    other = subscription(free_owner, status="active", start=T0, price="price_something_else", metadata={"owner_id": str(free_owner.pk)})
    deliver(client, rsps, "evt_other", "customer.subscription.created", other, other)

    assert plan_of(free_owner) == Plan.FREE
    assert WebhookEvent.objects.filter(event_id__in=["evt_inv", "evt_other"]).count() == 2


def test_a_bad_signature_is_refused_and_nothing_is_recorded(client, free_owner, rsps):
    sub = subscription(free_owner, status="active", start=T0)
    payload = event("evt_forged", "customer.subscription.created", sub, created=T0)

    forged = post_stripe_event(client, payload, signature=stripe_signature(payload, secret="whsec_wrong"))
    unsigned = client.post("/payments/stripe/webhook/", data=payload, content_type="application/json")

    assert (forged.status_code, unsigned.status_code) == (400, 400)
    assert not WebhookEvent.objects.exists()
    assert plan_of(free_owner) == Plan.FREE


def test_stripe_unreachable_while_reading_back_asks_for_a_retry(client, free_owner, rsps):
    sub = subscription(free_owner, status="active", start=T0)
    rsps.get(f"{STRIPE_API}/v1/subscriptions/sub_1", status=500, json={"error": {"message": "down"}})

    first = post_stripe_event(client, event("evt_retry", "customer.subscription.created", sub, created=T0))
    assert first.status_code == 503
    assert not WebhookEvent.objects.exists()

    mock_subscription_read(rsps, sub)
    retry = post_stripe_event(client, event("evt_retry", "customer.subscription.created", sub, created=T0))
    assert retry.status_code == 200
    assert plan_of(free_owner) == Plan.TEAM


def test_a_plan_set_by_staff_is_not_overwritten_until_the_owner_subscribes_again(client, free_owner, rsps, clock):
    sub = subscription(free_owner, status="active", start=T0)
    deliver(client, rsps, "evt_1", "customer.subscription.created", sub, sub)

    clock.move_to(NOW + timedelta(days=1))
    call_command("set_plan", free_owner.email, "enterprise")
    ended = subscription(free_owner, status="canceled", start=T0, ended_at=T0 + 2 * DAY, period_end=T0 + 2 * DAY)
    clock.move_to(NOW + timedelta(days=3))
    deliver(client, rsps, "evt_2", "customer.subscription.deleted", ended, ended, created=T0 + 2 * DAY)
    subscriptions_review_due()
    assert plan_of(free_owner) == Plan.ENTERPRISE

    # The owner subscribes on their own after that: the new subscription decides.
    new = subscription(free_owner, sub_id="sub_2", status="active", start=T0 + 3 * DAY, price="price_pro_month")
    deliver(client, rsps, "evt_3", "customer.subscription.created", new, new, created=T0 + 3 * DAY)
    assert plan_of(free_owner) == Plan.PRO
    assert Subscription.objects.get(owner=free_owner).staff_plan_set_at is None


def test_an_old_subscription_does_not_replace_a_newer_one(client, free_owner, rsps):
    new = subscription(free_owner, sub_id="sub_new", status="active", start=T0)
    deliver(client, rsps, "evt_new", "customer.subscription.created", new, new)
    old = subscription(free_owner, sub_id="sub_old", status="canceled", start=T0 - 90 * DAY,
                       period_end=T0 - 60 * DAY, ended_at=T0 - 60 * DAY)
    deliver(client, rsps, "evt_old", "customer.subscription.deleted", old, old, created=T0 - 60 * DAY)

    assert plan_of(free_owner) == Plan.TEAM
    assert Subscription.objects.get(owner=free_owner).stripe_subscription_id == "sub_new"


# -- The plan comes from our prices only ---------------------------------------------------------

def test_a_subscription_moved_to_a_foreign_price_keeps_the_plan_only_until_the_paid_period_ends(
        client, free_owner, rsps, clock, caplog, admin_client, django_capture_on_commit_callbacks):
    sub = subscription(free_owner, status="active", start=T0, period_end=T0 + 30 * DAY)
    deliver(client, rsps, "evt_1", "customer.subscription.created", sub, sub)
    assert plan_of(free_owner) == Plan.TEAM

    # Moved (in Stripe's dashboard, say) to a price that is not ours; the metadata still says team.
    foreign = subscription(free_owner, status="active", start=T0, period_end=T0 + 30 * DAY, price="price_foreign")
    assert foreign["metadata"]["plan"] == "team"
    deliver(client, rsps, "evt_2", "customer.subscription.updated", foreign, foreign, created=T0 + 60)

    stored = Subscription.objects.get(owner=free_owner)
    assert stored.unknown_price_id == "price_foreign"
    assert "price_foreign" in caplog.text
    assert "price_foreign" in admin_client.get("/admin/accounts/subscription/").content.decode()
    assert plan_of(free_owner) == Plan.TEAM  # what they had, until the period they paid ends

    # Stripe renews it at the foreign price before our review runs: that does not extend the plan.
    clock.move_to(NOW + timedelta(days=30))
    renewed = subscription(free_owner, status="active", start=T0, period_start=T0 + 30 * DAY,
                           period_end=T0 + 60 * DAY, price="price_foreign")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, rsps, "evt_3", "invoice.paid", invoice(renewed), renewed, created=T0 + 30 * DAY)
        subscriptions_review_due()

    assert plan_of(free_owner) == Plan.FREE
    [email] = [message for message in mail.outbox if message.to == [free_owner.email]]
    assert email.subject == "Your Leadmonk plan is now Free"
    assert "a price this site does not offer (price_foreign)" in email.body
    with django_capture_on_commit_callbacks(execute=True):
        subscriptions_review_due()
    assert len(mail.outbox) == 1  # said once


def test_a_new_subscription_on_a_foreign_price_gives_no_plan_whatever_its_metadata(client, free_owner, rsps):
    foreign = subscription(free_owner, status="active", start=T0, price="price_foreign")

    deliver(client, rsps, "evt_1", "customer.subscription.created", foreign, foreign)

    assert plan_of(free_owner) == Plan.FREE
    assert Subscription.objects.get(owner=free_owner).unknown_price_id == "price_foreign"


def test_a_subscriber_on_an_earlier_price_keeps_the_plan_of_that_price(client, free_owner, rsps, settings):
    settings.STRIPE_EARLIER_PRICES = {"price_team_2025": ("team", "year")}
    sub = subscription(free_owner, status="active", start=T0, price="price_team_2025",
                       metadata={"owner_id": str(free_owner.pk)})

    deliver(client, rsps, "evt_1", "customer.subscription.created", sub, sub)

    assert plan_of(free_owner) == Plan.TEAM
    stored = Subscription.objects.get(owner=free_owner)
    assert (stored.plan, stored.interval, stored.unknown_price_id) == ("team", "year", "")


def test_moving_back_to_one_of_our_prices_clears_the_foreign_price(client, free_owner, rsps, clock):
    foreign = subscription(free_owner, status="active", start=T0, period_end=T0 + 30 * DAY, price="price_foreign")
    deliver(client, rsps, "evt_1", "customer.subscription.created", foreign, foreign)
    ours = subscription(free_owner, status="active", start=T0, period_end=T0 + 30 * DAY, price="price_pro_month")
    deliver(client, rsps, "evt_2", "customer.subscription.updated", ours, ours, created=T0 + 60)

    clock.move_to(NOW + timedelta(days=31))
    subscriptions_review_due()

    stored = Subscription.objects.get(owner=free_owner)
    assert (stored.unknown_price_id, stored.unknown_price_until) == ("", None)
    assert plan_of(free_owner) == Plan.PRO


def test_the_periodic_review_ends_a_foreign_price_at_the_period_end_and_says_why(
        client, free_owner, rsps, clock, django_capture_on_commit_callbacks):
    sub = subscription(free_owner, status="active", start=T0, period_end=T0 + 10 * DAY)
    deliver(client, rsps, "evt_1", "customer.subscription.created", sub, sub)
    foreign = subscription(free_owner, status="active", start=T0, period_end=T0 + 10 * DAY, price="price_foreign")
    deliver(client, rsps, "evt_2", "customer.subscription.updated", foreign, foreign, created=T0 + 60)

    clock.move_to(NOW + timedelta(days=10) - timedelta(seconds=1))
    subscriptions_review_due()
    assert plan_of(free_owner) == Plan.TEAM
    clock.move_to(NOW + timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("shell", "-c", "from accounts.tasks import review_subscriptions; review_subscriptions()")

    assert plan_of(free_owner) == Plan.FREE
    assert [message.subject for message in mail.outbox] == ["Your Leadmonk plan is now Free"]
