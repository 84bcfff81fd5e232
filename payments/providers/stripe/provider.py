"""Stripe: Checkout Sessions in payment mode, Stripe Connect for routing money to the owner, and a
webhook that verifies the signature and then reads the session back from Stripe.

Every call goes through `stripe.StripeClient` (requests under the hood, so tests mock it at the
HTTP layer with `responses`). Money calls carry idempotency keys derived from our ids.
"""
from __future__ import annotations

import logging
from decimal import Decimal

import stripe
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_noop

from leadmonk.languages import translatable as _
from leadmonk.money import UnknownCurrency
from payments import services
from payments.connections import active_connection, require_connection
from payments.models import PAID_STATUSES, Payment, PaymentPurpose, Provider
from payments.providers.base import (
    PaymentError,
    PaymentProvider,
    PaymentProviderError,
    PaymentProviderUnavailable,
    RefundError,
    checkout_refusal,
    register,
)
from payments.providers.stripe import memberships as membership_stripe
from payments.providers.stripe.billing import BILLING_EVENTS, handle_billing_event
from payments.providers.stripe.client import (
    InvalidEvent,
    amount_from_stripe,
    dict_of,
    id_of,
    site_url,
    stripe_amount,
    stripe_client,
    verified_event,
)

logger = logging.getLogger(__name__)

CHECKOUT_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}
REFUND_EVENTS = {"charge.refunded"}
# A payment plan's later instalments are PaymentIntents we create off-session (charge_saved).
INSTALMENT_EVENTS = {"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.processing"}


@register
class StripeProvider(PaymentProvider):
    identifier = Provider.STRIPE
    verbose_name = "Stripe"

    def is_configured(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY)

    def is_available(self, owner) -> bool:
        if not self.is_configured():
            return False
        return not require_connection() or active_connection(owner, Provider.STRIPE) is not None

    # -- checkout -------------------------------------------------------------------------

    def start_checkout(self, payment: Payment, request: HttpRequest) -> str:
        refusal = checkout_refusal(self.identifier, payment.amount, payment.currency)
        if refusal:
            logger.warning("stripe checkout for payment %s: Stripe does not take %s %s", payment.pk,
                           payment.amount, payment.currency)
            raise PaymentError(refusal)
        return_path = reverse("payments:return", args=[payment.token])
        connection = active_connection(payment.owner, Provider.STRIPE)
        ids = {"payment_id": str(payment.pk)}
        if payment.order_id:
            ids["order_id"] = str(payment.order_id)
        else:
            ids["booking_id"] = str(payment.booking_id)
        payment_intent_data: dict = {"metadata": ids, "description": payment.purchase_title[:200]}
        params_extra: dict = {}
        if payment.saves_method:
            # A payment plan's checkout: Stripe keeps the card on a Customer of the platform account,
            # and the later instalments are charged to it off-session (charge_saved), each routed to
            # the owner like this one.
            payment_intent_data["setup_future_usage"] = "off_session"
            params_extra["customer_creation"] = "always"
        if connection is not None:
            # Destination charge: the connected account receives the money and is the settlement
            # merchant; the platform keeps no fee.
            payment_intent_data["transfer_data"] = {"destination": connection.account_id}
            payment_intent_data["on_behalf_of"] = connection.account_id
        if membership_stripe.is_membership_payment(payment):
            params = membership_stripe.checkout_params(
                payment, ids=ids, destination=connection.account_id if connection else "")
            params["success_url"] = site_url(return_path) + "?session_id={CHECKOUT_SESSION_ID}"
            params["cancel_url"] = site_url(return_path) + "?cancelled=1"
            return self._open_session(payment, params, connection)
        params = {
            "mode": "payment",
            "line_items": [{
                "quantity": 1,
                "price_data": {
                    "currency": payment.currency.lower(),
                    "unit_amount": stripe_amount(payment.amount, payment.currency),
                    "product_data": {"name": payment.purchase_title[:250]},
                },
            }],
            "client_reference_id": str(payment.pk),
            "metadata": ids,
            "payment_intent_data": payment_intent_data,
            "customer_email": payment.client_email,
            "success_url": site_url(return_path) + "?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": site_url(return_path) + "?cancelled=1",
            **params_extra,
        }
        return self._open_session(payment, params, connection)

    def _open_session(self, payment: Payment, params: dict, connection) -> str:
        try:
            session = stripe_client().v1.checkout.sessions.create(
                params, options={"idempotency_key": payment.checkout_idempotency_key}
            )
        except stripe.StripeError as error:
            logger.warning("stripe checkout for payment %s failed: %s", payment.pk, error)
            raise PaymentProviderError(
                _("Stripe could not start the payment. Please try again in a moment.")) from error
        services.payment_set_checkout(
            payment=payment, provider_reference=session.id, checkout_url=session.url,
            destination_account=connection.account_id if connection else "",
        )
        return session.url

    def fetch_session(self, session_id: str, *, expand_intent: bool = False) -> dict:
        """The session as Stripe has it; with `expand_intent` its PaymentIntent too (the card a
        payment plan's checkout saved)."""
        params = {"expand": ["payment_intent"]} if expand_intent else None
        try:
            session = stripe_client().v1.checkout.sessions.retrieve(session_id, params).to_dict()
        except stripe.StripeError as error:
            raise PaymentProviderError() from error
        if session.get("mode") == "subscription" and isinstance(session.get("subscription"), str):
            # A membership's subscription, read here (outside any transaction) for apply_session.
            session["subscription"] = membership_stripe.subscription_read(session["subscription"])
            if not session.get("payment_intent") and isinstance(session.get("invoice"), str):
                # A subscription's checkout has no PaymentIntent of its own: its first invoice's
                # is the one to refund the first period through.
                try:
                    invoice = membership_stripe.invoice_read(session["invoice"])
                except stripe.StripeError as error:
                    raise PaymentProviderError() from error
                session["payment_intent"] = membership_stripe.invoice_payment_intent(invoice)
        return session

    def apply_session(self, session: dict, payment: Payment, *, event_type: str = "") -> None:
        """Move `payment` to what the session, as read from Stripe, says."""
        if session.get("payment_status") in ("paid", "no_payment_required"):
            saved = _saved_method(session)
            if saved and payment.saves_method and not payment.saved_method:
                services.payment_record_saved_method(payment_id=payment.pk, saved_method=saved,
                                                     owner_id=payment.owner_id)
            currency = (session.get("currency") or "").upper()
            try:
                amount = amount_from_stripe(int(session.get("amount_total") or 0), currency)
            except UnknownCurrency:
                amount = Decimal(-1)  # cannot match the snapshot: payment_confirm flags it
            services.payment_confirm(
                payment_id=payment.pk,
                amount=amount,
                currency=currency,
                provider_payment_id=id_of(session.get("payment_intent")),
            )
            if session.get("mode") == "subscription":
                membership_stripe.announce_started(payment, session)
        elif session.get("status") == "expired":
            services.payment_fail(payment_id=payment.pk, reason="The Stripe checkout expired.")
        elif session.get("status") == "complete":
            # Completed but unpaid: a delayed method (bank debit). Failed only when Stripe says so.
            if event_type == "checkout.session.async_payment_failed":
                services.payment_fail(payment_id=payment.pk, reason="The payment failed at Stripe.")
            else:
                services.payment_mark_pending(
                    payment_id=payment.pk, provider_payment_id=id_of(session.get("payment_intent"))
                )

    def handle_return(self, payment: Payment, request: HttpRequest) -> None:
        # The session id in the query string is not trusted: the payment's own reference is read.
        if not payment.provider_reference:
            return
        if payment.is_instalment and payment.provider_reference.startswith("pi_"):
            self.apply_intent(self.fetch_intent(payment.provider_reference), payment)
            return
        self.apply_session(self.fetch_session(payment.provider_reference, expand_intent=payment.saves_method),
                           payment)

    # -- webhook --------------------------------------------------------------------------

    def handle_webhook(self, request: HttpRequest) -> HttpResponse:
        from payments.webhooks import event_process, event_seen

        secret = settings.STRIPE_WEBHOOK_SECRET
        if not secret or not request.headers.get("Stripe-Signature", ""):
            return HttpResponse("Missing signature.", status=400)
        try:
            event = verified_event(request, secret)
        except InvalidEvent as error:
            return HttpResponse(str(error), status=400)
        event_id, event_type = event.id, event.type
        if event_type not in BILLING_EVENTS | CHECKOUT_EVENTS | REFUND_EVENTS | INSTALMENT_EVENTS:
            return HttpResponse("Ignored.")
        if not settings.STRIPE_SECRET_KEY:
            # State is read back from Stripe, which needs the API key: let Stripe retry once the
            # configuration is fixed (`manage.py check` warns about it too).
            logger.error(
                "stripe event %s: STRIPE_WEBHOOK_SECRET is set but STRIPE_SECRET_KEY is not, so the event "
                "cannot be read back from Stripe; answering 503 so Stripe retries", event_id,
            )
            return HttpResponse("Stripe is not fully configured on this site, retry later.", status=503)
        if event_type in BILLING_EVENTS:
            return handle_billing_event(event)
        if event_seen(provider=Provider.STRIPE, event_id=event_id):
            return HttpResponse("Already processed.")
        object_id = id_of(event.object)
        if not object_id:
            return HttpResponse("Not a Stripe event.", status=400)
        # State comes from Stripe, not from the event body (network call outside any transaction).
        try:
            if event_type in CHECKOUT_EVENTS:
                session = self.fetch_session(object_id)
                payment = _payment_for_session(session)
                if payment is None:
                    logger.info("stripe event %s: no payment for session %s, ignored", event_id, object_id)
                    return HttpResponse("Unknown payment, ignored.")
                if payment.saves_method and not payment.saved_method:
                    session = self.fetch_session(object_id, expand_intent=True)

                def apply() -> None:
                    self.apply_session(session, payment, event_type=event_type)
            elif event_type in INSTALMENT_EVENTS:
                # Only the instalments we charged: a checkout's own PaymentIntent is followed
                # through its session's events.
                payment = Payment.objects.filter(provider=Provider.STRIPE, purpose=PaymentPurpose.INSTALMENT,
                                                 provider_reference=object_id).first()
                if payment is None:
                    return HttpResponse("Not an instalment, ignored.")
                intent = self.fetch_intent(object_id)

                def apply() -> None:
                    self.apply_intent(intent, payment)
            else:
                # A charge lists its refunds only when asked to (API versions since 2022-11-15); its
                # PaymentIntent carries our payment id in its metadata.
                charge = stripe_client().v1.charges.retrieve(
                    object_id, {"expand": ["refunds", "payment_intent"]}).to_dict()
                payment = _payment_for_charge(charge)
                if payment is None:
                    logger.info("stripe event %s: no payment for charge %s, ignored", event_id, object_id)
                    return HttpResponse("Unknown payment, ignored.")
                if payment.status not in PAID_STATUSES and not payment.flagged:
                    # Refunded before its confirmation was applied here (checkout.session.completed
                    # is still being retried by Stripe): a refund of an unpaid payment would be
                    # refused and the event recorded, and the money kept as paid. Stripe retries
                    # this event; by then the payment is confirmed and the refund is applied.
                    logger.info("stripe event %s: payment %s not confirmed yet, asking Stripe to retry",
                                event_id, payment.pk)
                    return HttpResponse("The payment is not confirmed yet, retry later.", status=503)

                refunds = _refunds_of_charge(charge)

                def apply() -> None:
                    # Each refund once, by Stripe's id or by our key in its metadata; then, when
                    # Stripe says the whole charge is refunded, whatever is left.
                    for refund in refunds:
                        services.payment_record_provider_refund(
                            payment_id=payment.pk, provider_reference=refund["id"], amount=refund["amount"],
                            our_key=refund["key"], reason=gettext_noop("Refunded in Stripe."),
                        )
                    if charge.get("refunded"):
                        services.payment_mark_refunded(
                            payment_id=payment.pk, refund_reference=refunds[0]["id"] if refunds else "",
                            reason=gettext_noop("The payment was refunded."),
                        )
        except (PaymentProviderError, PaymentProviderUnavailable, stripe.StripeError) as error:
            logger.warning("stripe event %s: could not read state back from Stripe: %s", event_id, error)
            return HttpResponse("Stripe did not answer, retry later.", status=503)
        return event_process(provider=Provider.STRIPE, event_id=event_id, event_type=event_type, apply=apply)

    # -- a payment plan's later instalments ---------------------------------------------------
    #
    # Off-session PaymentIntents to the card the first checkout saved, rather than a Stripe
    # subscription: the amounts differ (the last takes the remainder), the schedule, the ledger and
    # the retries are ours already, and each instalment stays one Payment confirmed through the one
    # guarded path, routed to the owner's connected account like every package payment.

    charges_saved_methods = True

    def charge_saved(self, payment: Payment) -> Payment:
        customer, _, method = payment.saved_method.partition("/")
        if not customer or not method:
            return services.payment_fail(payment_id=payment.pk, reason="No card was saved for this payment plan.")
        connection = active_connection(payment.owner, Provider.STRIPE)
        params: dict = {
            "amount": stripe_amount(payment.amount, payment.currency),
            "currency": payment.currency.lower(),
            "customer": customer,
            "payment_method": method,
            "off_session": True,
            "confirm": True,
            "description": payment.purchase_title[:200],
            "metadata": {"payment_id": str(payment.pk), "order_id": str(payment.order_id)},
        }
        if connection is not None:
            params["transfer_data"] = {"destination": connection.account_id}
            params["on_behalf_of"] = connection.account_id
        try:
            intent = stripe_client().v1.payment_intents.create(
                params, options={"idempotency_key": f"instalment-{payment.pk}"}).to_dict()
        except stripe.CardError as error:
            # Declined, or the bank asks for the client (authentication): the client pays it from
            # their order page. The PaymentIntent is kept so a later webhook finds the payment.
            intent_id = id_of(dict_of(getattr(error, "json_body", None) or {}).get("error", {}).get("payment_intent"))
            if intent_id:
                services.payment_set_checkout(payment=payment, provider_reference=intent_id, checkout_url="",
                                              destination_account=connection.account_id if connection else "")
            return services.payment_fail(payment_id=payment.pk,
                                         reason=f"Stripe: {error.user_message or 'the card was declined'}")
        except stripe.StripeError as error:
            logger.warning("stripe instalment charge of payment %s failed: %s", payment.pk, error)
            raise PaymentProviderError("Stripe could not be reached to charge the instalment.") from error
        services.payment_set_checkout(payment=payment, provider_reference=intent["id"], checkout_url="",
                                      destination_account=connection.account_id if connection else "")
        return self.apply_intent(intent, payment)

    def fetch_intent(self, intent_id: str) -> dict:
        try:
            return stripe_client().v1.payment_intents.retrieve(intent_id).to_dict()
        except stripe.StripeError as error:
            raise PaymentProviderError() from error

    def apply_intent(self, intent: dict, payment: Payment) -> Payment:
        """Move an instalment's payment to what its PaymentIntent, as read from Stripe, says."""
        status = intent.get("status")
        if status == "succeeded":
            currency = (intent.get("currency") or "").upper()
            try:
                amount = amount_from_stripe(int(intent.get("amount_received") or 0), currency)
            except UnknownCurrency:
                amount = Decimal(-1)
            return services.payment_confirm(payment_id=payment.pk, amount=amount, currency=currency,
                                            provider_payment_id=id_of(intent))
        if status == "processing":
            return services.payment_mark_pending(payment_id=payment.pk, provider_payment_id=id_of(intent))
        if status in ("requires_payment_method", "requires_action", "canceled"):
            reason = dict_of(intent.get("last_payment_error")).get("message") or "The card was declined."
            return services.payment_fail(payment_id=payment.pk, reason=f"Stripe: {reason}")
        return payment

    # -- refund ---------------------------------------------------------------------------

    def refund(self, payment: Payment, *, amount: Decimal | None = None, idempotency_key: str = "") -> str:
        if not payment.provider_payment_id:
            raise RefundError("Stripe has no charge for this payment to refund.")
        key = idempotency_key or services.full_refund_key(payment.pk)
        params: dict = {
            "payment_intent": payment.provider_payment_id,
            "amount": stripe_amount(payment.amount if amount is None else amount, payment.currency),
            # Our key travels with the refund: charge.refunded matches it to the Refund we reserved
            # even before we recorded Stripe's id, so the refund is counted once.
            "metadata": {"payment_id": str(payment.pk), "refund_key": key},
        }
        if payment.destination_account:
            # Take the money back from the connected account that received it (in proportion to
            # the amount refunded, for a part).
            params["reverse_transfer"] = True
        try:
            refund = stripe_client().v1.refunds.create(params, options={"idempotency_key": key})
        except stripe.StripeError as error:
            logger.warning("stripe refund of payment %s failed: %s", payment.pk, error)
            raise RefundError(
                "Stripe could not refund this payment. Please try again or refund it in Stripe."
            ) from error
        if refund.status in ("failed", "canceled"):
            raise RefundError("Stripe refused the refund.")
        return refund.id

    # -- Connect --------------------------------------------------------------------------

    def connect_onboarding_link(self, owner, *, refresh_url: str, return_url: str) -> str:
        """Create (once) the owner's Express account and a fresh onboarding link to it."""
        from payments.connections import connection_save
        from payments.models import PaymentConnection

        client = stripe_client()
        existing = PaymentConnection.objects.filter(owner=owner, provider=Provider.STRIPE).first()
        try:
            if existing and existing.account_id:
                account_id = existing.account_id
            else:
                account = client.v1.accounts.create(
                    {
                        "type": "express",
                        "email": owner.email,
                        "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
                        "metadata": {"owner_id": str(owner.pk)},
                    },
                    options={"idempotency_key": f"connect-account-{owner.pk}"},
                )
                account_id = account.id
                connection_save(owner=owner, provider=Provider.STRIPE, account_id=account_id, is_active=False)
            link = client.v1.account_links.create(
                {"account": account_id, "refresh_url": refresh_url, "return_url": return_url,
                 "type": "account_onboarding"}
            )
        except stripe.StripeError as error:
            logger.warning("stripe connect for owner %s failed: %s", owner.pk, error)
            raise PaymentProviderError("Stripe could not start the connection. Please try again.") from error
        return link.url

    def connect_refresh(self, owner) -> bool:
        """Read the owner's account back from Stripe; active once it can take charges."""
        from payments.connections import connection_save
        from payments.models import PaymentConnection

        existing = PaymentConnection.objects.filter(owner=owner, provider=Provider.STRIPE).first()
        if existing is None or not existing.account_id:
            return False
        try:
            account = stripe_client().v1.accounts.retrieve(existing.account_id)
        except stripe.StripeError as error:
            raise PaymentProviderError() from error
        active = bool(account.charges_enabled)
        connection_save(owner=owner, provider=Provider.STRIPE, account_id=existing.account_id,
                        email=getattr(account, "email", None) or "", is_active=active)
        return active


def _refunds_of_charge(charge: dict) -> list[dict]:
    """The succeeded refunds of a charge as read back from Stripe: id, amount (None when Stripe did
    not say) and our key (metadata.refund_key, "" for one made in Stripe's dashboard)."""
    currency = (charge.get("currency") or "").upper()
    found = []
    for refund in dict_of(charge.get("refunds")).get("data") or []:
        refund = dict_of(refund)
        if not id_of(refund) or refund.get("status") in ("failed", "canceled"):
            continue
        amount = None
        if isinstance(refund.get("amount"), int) and currency:
            try:
                amount = amount_from_stripe(refund["amount"], currency)
            except UnknownCurrency:
                amount = None
        found.append({"id": id_of(refund), "amount": amount,
                      "key": str(dict_of(refund.get("metadata")).get("refund_key") or "")})
    return found


def _saved_method(session: dict) -> str:
    """"cus_…/pm_…": the Customer and card a checkout saved (its PaymentIntent expanded), or ""."""
    intent = dict_of(session.get("payment_intent"))
    customer = id_of(session.get("customer")) or id_of(intent.get("customer"))
    method = id_of(intent.get("payment_method"))
    return f"{customer}/{method}" if customer and method else ""


def _payment_for_charge(charge: dict) -> Payment | None:
    """The payment a charge (its PaymentIntent expanded) paid: by the PaymentIntent recorded at
    confirmation, or, before that, by the payment id our checkout put in the PaymentIntent's
    metadata, provided no other PaymentIntent is recorded for that payment."""
    intent = charge.get("payment_intent")
    intent_id = id_of(intent)
    if not intent_id:
        return None
    payment = Payment.objects.filter(provider=Provider.STRIPE, provider_payment_id=intent_id).first()
    if payment is not None:
        return payment
    payment_id = str(dict_of(dict_of(intent).get("metadata")).get("payment_id") or "")
    if not payment_id.isdigit():
        return None
    return Payment.objects.filter(pk=int(payment_id), provider=Provider.STRIPE, provider_payment_id="").first()


def _payment_for_session(session: dict) -> Payment | None:
    payment_id = session.get("client_reference_id") or (session.get("metadata") or {}).get("payment_id")
    if not payment_id or not str(payment_id).isdigit():
        return None
    return Payment.objects.filter(
        pk=int(payment_id), provider=Provider.STRIPE, provider_reference=session.get("id") or "-"
    ).first()
