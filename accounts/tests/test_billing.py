"""The plan rules of subscriptions (accounts.billing) and the staff path (set_plan, admin)."""
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.billing import (
    IllegalSubscriptionMove,
    StaleSubscriptionState,
    SubscriptionState,
    entitlement,
    move_allowed,
)
from accounts.billing_services import subscription_apply
from accounts.models import Subscription, User
from accounts.plans import Plan, SubscriptionStatus

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
LATER = NOW + timedelta(days=10)
S = SubscriptionStatus


def _grant(status, **kw):
    values = {"plan": Plan.TEAM, "current_period_end": LATER, "cancel_at_period_end": False, "past_due_since": None,
              "now": NOW}
    values.update(kw)
    return entitlement(status=status, **values)


@pytest.mark.parametrize("status", [S.TRIALING, S.ACTIVE])
def test_trialing_and_active_give_the_plan(status):
    assert _grant(status).plan == Plan.TEAM
    assert _grant(status).review_at is None


def test_cancelled_at_period_end_keeps_the_plan_until_then(settings):
    assert _grant(S.ACTIVE, cancel_at_period_end=True).plan == Plan.TEAM
    assert _grant(S.ACTIVE, cancel_at_period_end=True).review_at == LATER
    assert _grant(S.ACTIVE, cancel_at_period_end=True, now=LATER).plan == Plan.FREE


def test_past_due_keeps_the_plan_for_the_grace_period(settings):
    settings.BILLING_GRACE_DAYS = 3
    granted = _grant(S.PAST_DUE, past_due_since=NOW)
    assert (granted.plan, granted.grace_until) == (Plan.TEAM, NOW + timedelta(days=3))
    assert _grant(S.PAST_DUE, past_due_since=NOW, now=NOW + timedelta(days=3)).plan == Plan.FREE


@pytest.mark.parametrize("status", [S.CANCELED, S.UNPAID])
def test_canceled_and_unpaid_keep_the_plan_to_the_end_of_the_paid_period(status, settings):
    settings.BILLING_GRACE_DAYS = 7
    assert _grant(status).plan == Plan.TEAM
    assert _grant(status, now=LATER).plan == Plan.FREE
    # After a failed renewal, the last period was never paid: the grace end is the end.
    assert _grant(status, past_due_since=NOW - timedelta(days=8)).plan == Plan.FREE


@pytest.mark.parametrize("status", [S.PAUSED, S.INCOMPLETE_EXPIRED])
def test_paused_and_never_started_are_free(status):
    assert _grant(status).plan == Plan.FREE


def test_an_incomplete_subscription_decides_nothing():
    assert _grant(S.INCOMPLETE).plan is None


def test_a_canceled_subscription_never_comes_back():
    assert not move_allowed(S.CANCELED, S.ACTIVE)
    assert move_allowed(S.PAST_DUE, S.ACTIVE)
    assert move_allowed(S.ACTIVE, S.CANCELED)


def _state(**kw) -> SubscriptionState:
    values = {"subscription_id": "sub_1", "customer_id": "cus_1", "plan": Plan.TEAM, "interval": "month",
              "status": S.ACTIVE, "started_at": NOW, "current_period_end": LATER}
    values.update(kw)
    return SubscriptionState(**values)


@pytest.mark.django_db
def test_the_guarded_apply_refuses_older_reads_and_illegal_moves(free_owner):
    subscription_apply(owner_id=free_owner.pk, state=_state(status=S.CANCELED, ended_at=NOW), now=NOW)

    with pytest.raises(IllegalSubscriptionMove):
        subscription_apply(owner_id=free_owner.pk, state=_state(status=S.ACTIVE, ended_at=NOW), now=NOW)
    with pytest.raises(StaleSubscriptionState):
        subscription_apply(owner_id=free_owner.pk, state=_state(current_period_end=NOW), now=NOW)
    assert Subscription.objects.get(owner=free_owner).status == S.CANCELED


@pytest.mark.django_db
def test_applying_the_same_state_twice_changes_nothing(free_owner):
    first = subscription_apply(owner_id=free_owner.pk, state=_state(), now=NOW)
    second = subscription_apply(owner_id=free_owner.pk, state=_state(), now=NOW)

    assert (first.status, second.status) == (S.ACTIVE, S.ACTIVE)
    assert Subscription.objects.count() == 1
    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.TEAM


@pytest.mark.django_db
def test_a_plan_changed_in_the_admin_is_a_staff_plan(free_owner):
    # The admin stamps the staff plan at the test clock: the subscription started a month before it.
    started = timezone.now() - timedelta(days=30)
    subscription_apply(owner_id=free_owner.pk, now=started,
                       state=_state(status=S.ACTIVE, started_at=started, current_period_end=started + timedelta(days=31)))
    admin = User.objects.create_superuser(email="admin@example.com", password="admin-pass-123")
    client = Client()
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{free_owner.pk}/change/")
    form = page.context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None and not isinstance(value, list)}
    data.update({"plan": "enterprise", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
                 "last_login_0": "", "last_login_1": ""})

    response = client.post(f"/admin/accounts/user/{free_owner.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.ENTERPRISE
    assert Subscription.objects.get(owner=free_owner).staff_plan_set_at is not None
    # The old subscription's later news no longer moves the plan.
    ended = timezone.now() + timedelta(days=10)
    subscription_apply(owner_id=free_owner.pk,
                       state=_state(status=S.CANCELED, started_at=started, ended_at=ended, current_period_end=ended),
                       now=ended + timedelta(days=1))
    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.ENTERPRISE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reads_of_one_subscription_end_at_the_newest(free_owner):
    """Several webhook deliveries apply their reads at once (a first one creates the row): the
    owner's row lock serialises them and the newest paid period wins whatever order they commit in."""
    from tests import race

    period_ends = [NOW + timedelta(days=30 * step) for step in range(1, 7)]

    def attempt(index: int) -> None:
        subscription_apply(owner_id=free_owner.pk, state=_state(current_period_end=period_ends[index]), now=NOW)

    applied, refused = race(len(period_ends), attempt, StaleSubscriptionState)

    assert applied + len(refused) == len(period_ends)
    assert applied >= 1
    stored = Subscription.objects.get(owner=free_owner)
    assert stored.current_period_end == max(period_ends)
    assert Subscription.objects.filter(owner=free_owner).count() == 1
    free_owner.refresh_from_db()
    assert free_owner.plan == Plan.TEAM
