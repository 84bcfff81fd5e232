"""Settings › Plan read in every state a Stripe subscription can be in: its badge and its sentence
say the same thing, in Stripe's words, and what they say is true (an unpaid subscription is not
"cancelled", a past-due one is not "payment failed" in one place and "past due" in another)."""
import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.billing import SubscriptionState
from accounts.billing_services import subscription_apply, subscriptions_review_due
from accounts.plans import Plan
from tests import NOW, make_owner

pytestmark = pytest.mark.django_db
PERIOD_END = NOW + timedelta(days=20)  # 21 December 2026
GRACE_END = "8 December 2026"  # a week after the first failed payment (BILLING_GRACE_DAYS)


def _state(status, **fields):
    values = dict(subscription_id="sub_1", customer_id="cus_1", plan=Plan.TEAM, interval="month", status=status,
                  started_at=NOW - timedelta(days=40), current_period_end=PERIOD_END)
    return SubscriptionState(**{**values, **fields})


def _plan_card(client) -> tuple[str, str]:
    """The Plan page's badge and the rest of its plan card, as text."""
    html = client.get("/dashboard/settings/plan/").content.decode()
    card = re.search(r'aria-labelledby="current-plan">(.*?)</section>', html, re.S).group(1)
    badge = re.search(r'<span class="badge[^"]*">(.*?)</span>', card, re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", card).split())
    return (badge.group(1).strip() if badge else ""), text


# (Stripe statuses in the order they arrive, days later; the badge; what the card says)
STATES = [
    (["incomplete"], 0, "Incomplete", "Your Team subscription is incomplete: it starts once its first payment is "
                                      "complete."),
    (["incomplete", "incomplete_expired"], 0, "Expired", "Your Team subscription expired before it started"),
    (["trialing"], 0, "Trialing", "Your free trial of Team runs until 21 December 2026"),
    (["active"], 0, "Active", "Team, billed monthly. Renews on 21 December 2026."),
    (["active", "cancels"], 0, "Cancels 21 December 2026",
     "Your Team subscription is cancelled. You keep the plan until 21 December 2026, then you move to Free."),
    (["active", "past_due"], 0, "Past due",
     f"Your subscription is past due: your last payment failed. Update your payment method under “Manage billing” "
     f"by {GRACE_END}, or your plan falls back to Free."),
    (["active", "past_due"], 10, "Past due", "Your subscription is past due, so you are on the Free plan."),
    (["active", "past_due", "unpaid"], 0, "Unpaid",
     f"Your subscription is unpaid: its payment failed and will not be retried. Pay the open invoice under "
     f"“Manage billing” by {GRACE_END}, or your plan falls back to Free."),
    (["active", "past_due", "unpaid"], 10, "Unpaid", "Your subscription is unpaid, so you are on the Free plan. "
                                                     "Pay the open invoice under “Manage billing” to be back on Team."),
    (["active", "canceled"], 0, "Cancelled",
     "Your Team subscription is cancelled. You keep the plan until 21 December 2026, then you move to Free."),
    (["active", "paused"], 0, "Paused", "Your Team subscription is paused, so you are on the Free plan"),
]


@pytest.mark.parametrize(("statuses", "days_later", "badge", "says"), STATES,
                         ids=["-".join(s[0]) + (f"+{s[1]}d" if s[1] else "") for s in STATES])
def test_the_plan_page_words_each_subscription_state_one_way(client, statuses, days_later, badge, says):
    with time_machine.travel(NOW, tick=False) as clock:
        owner = make_owner(plan=Plan.FREE)
        for step, status in enumerate(statuses):
            fields = {"ended_at": timezone.now()} if status == "canceled" else {}
            if status == "cancels":  # still active at Stripe, cancelled at the period end
                status, fields = "active", {"cancel_at_period_end": True}
            subscription_apply(owner_id=owner.pk, state=_state(status, **fields),
                               now=timezone.now() + timedelta(seconds=step))
        clock.shift(timedelta(days=days_later))
        subscriptions_review_due()
        client.force_login(owner)

        shown_badge, card = _plan_card(client)

    assert shown_badge == badge
    assert says in card
    # One word per state: no sentence contradicts the badge.
    wrong = {"Unpaid": ["cancelled", "past due"], "Past due": ["unpaid", "cancelled", "Payment failed"]}
    for word in wrong.get(badge, []):
        assert word not in card.replace(shown_badge, "", 1), word
    if "Free plan" in says or statuses[-1] in ("incomplete", "incomplete_expired"):
        assert "You are on the Free plan" in card
