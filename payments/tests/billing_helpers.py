"""Stripe Billing objects in the shape Stripe sends them (API 2025+: the period on the subscription
item, an invoice's subscription under `parent.subscription_details`), and signed events."""
import json
from datetime import datetime

import responses

from payments.tests.helpers import STRIPE_API

PRICES = {
    "STRIPE_BILLING_PRICES": {
        ("pro", "month"): "price_pro_month", ("pro", "year"): "price_pro_year",
        ("team", "month"): "price_team_month", ("team", "year"): "price_team_year",
    },
}
DAY = 24 * 3600


def ts(moment: datetime) -> int:
    return int(moment.timestamp())


def subscription(owner, *, sub_id: str = "sub_1", customer: str = "cus_1", status: str = "active",
                 price: str = "price_team_month", start: int, period_start: int | None = None,
                 period_end: int | None = None, cancel_at_period_end: bool = False, ended_at: int | None = None,
                 metadata: dict | None = None) -> dict:
    period_start = start if period_start is None else period_start
    period_end = period_start + 30 * DAY if period_end is None else period_end
    return {
        "id": sub_id, "object": "subscription", "customer": customer, "status": status,
        "created": start, "start_date": start, "billing_cycle_anchor": start,
        "cancel_at_period_end": cancel_at_period_end, "cancel_at": period_end if cancel_at_period_end else None,
        "canceled_at": (ended_at or period_start) if (cancel_at_period_end or ended_at) else None,
        "ended_at": ended_at, "collection_method": "charge_automatically", "currency": "usd",
        "latest_invoice": "in_1", "livemode": False,
        "trial_start": start if status == "trialing" else None,
        "trial_end": period_end if status == "trialing" else None,
        "metadata": {"owner_id": str(owner.pk), "plan": "team", "interval": "month"} if metadata is None else metadata,
        "items": {"object": "list", "has_more": False, "data": [{
            "id": "si_1", "object": "subscription_item", "quantity": 1,
            "current_period_start": period_start, "current_period_end": period_end,
            "price": {"id": price, "object": "price", "currency": "usd", "type": "recurring",
                      "recurring": {"interval": "month", "interval_count": 1}},
        }]},
    }


def invoice(sub: dict, *, invoice_id: str = "in_1", status: str = "paid", billing_reason: str = "subscription_cycle") -> dict:
    return {
        "id": invoice_id, "object": "invoice", "customer": sub["customer"], "status": status,
        "billing_reason": billing_reason, "amount_due": 2000, "amount_paid": 2000 if status == "paid" else 0,
        "currency": "usd", "livemode": False,
        "parent": {"type": "subscription_details", "quote_details": None,
                   "subscription_details": {"subscription": sub["id"], "metadata": sub["metadata"]}},
    }


def event(event_id: str, event_type: str, obj: dict, *, created: int) -> str:
    return json.dumps({
        "id": event_id, "object": "event", "type": event_type, "api_version": "2025-09-30.clover",
        "created": created, "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None}, "data": {"object": obj},
    })


def mock_subscription_read(rsps: responses.RequestsMock, sub: dict) -> None:
    """The next GET of the subscription answers `sub` (responses serves registrations in order)."""
    rsps.get(f"{STRIPE_API}/v1/subscriptions/{sub['id']}", json=sub)
