"""PayPal: Orders v2 through paypal-server-sdk (intent CAPTURE), the owner as payee, a capture on
the client's return, and a webhook verified by PayPal's verify-webhook-signature call.

The SDK has no webhook controller, so that one call is made with `requests` and the SDK's OAuth
token. A payment counts as paid only when its capture is COMPLETED; a PENDING capture waits for
PAYMENT.CAPTURE.COMPLETED.
"""
from __future__ import annotations

import json
import logging
from decimal import Decimal, InvalidOperation

import requests
from apimatic_core.exceptions.auth_validation_exception import AuthValidationException
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_noop
from paypalserversdk.configuration import Environment
from paypalserversdk.exceptions.api_exception import ApiException
from paypalserversdk.http.auth.o_auth_2 import ClientCredentialsAuthCredentials
from paypalserversdk.models.amount_with_breakdown import AmountWithBreakdown
from paypalserversdk.models.checkout_payment_intent import CheckoutPaymentIntent
from paypalserversdk.models.money import Money
from paypalserversdk.models.order_request import OrderRequest
from paypalserversdk.models.payee_base import PayeeBase
from paypalserversdk.models.payment_source import PaymentSource
from paypalserversdk.models.paypal_wallet import PaypalWallet
from paypalserversdk.models.paypal_wallet_experience_context import PaypalWalletExperienceContext
from paypalserversdk.models.purchase_unit_request import PurchaseUnitRequest
from paypalserversdk.models.refund_request import RefundRequest
from paypalserversdk.paypal_serversdk_client import PaypalServersdkClient

from leadmonk.languages import translatable as _
from leadmonk.money import PAYPAL_WHOLE_UNITS, round_money
from payments import services
from payments.connections import active_connection, require_connection
from payments.models import Payment, PaymentStatus, Provider
from payments.providers.base import (
    PaymentError,
    PaymentProvider,
    PaymentProviderError,
    PaymentProviderUnavailable,
    RefundError,
    checkout_refusal,
    register,
)

logger = logging.getLogger(__name__)

# What a network failure looks like through the SDK (it runs on requests): connection refused, DNS,
# timeout; and PayPal's login (the OAuth token each call asks for first) answering an error, which
# the SDK raises as apimatic's AuthValidationException (not an ApiException), for PayPal being down
# (5xx) as for credentials it refuses. Caught at every call site so the client or owner sees a
# message, never a 500.
NETWORK_ERRORS = (requests.RequestException, OSError, AuthValidationException)

HANDLED_EVENTS = {"PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.REFUNDED", "PAYMENT.CAPTURE.DENIED"}
SIGNATURE_HEADERS = {
    "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_time": "PAYPAL-TRANSMISSION-TIME",
    "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
    "cert_url": "PAYPAL-CERT-URL",
    "auth_algo": "PAYPAL-AUTH-ALGO",
}


def paypal_environment() -> Environment:
    return Environment.PRODUCTION if settings.PAYPAL_ENVIRONMENT == "production" else Environment.SANDBOX


def api_base() -> str:
    return "https://api-m.paypal.com" if settings.PAYPAL_ENVIRONMENT == "production" else "https://api-m.sandbox.paypal.com"


def paypal_client() -> PaypalServersdkClient:
    if not (settings.PAYPAL_CLIENT_ID and settings.PAYPAL_CLIENT_SECRET):
        raise PaymentProviderUnavailable(_("PayPal is not set up on this site."))
    return PaypalServersdkClient(
        client_credentials_auth_credentials=ClientCredentialsAuthCredentials(
            o_auth_client_id=settings.PAYPAL_CLIENT_ID, o_auth_client_secret=settings.PAYPAL_CLIENT_SECRET,
        ),
        environment=paypal_environment(),
        timeout=30,
    )


def paypal_value(amount: Decimal, currency: str) -> str:
    """PayPal's amount string: '49.00' USD, '1500' JPY (no decimals where the currency has none),
    '15000' HUF (none where PayPal takes none). A fraction there never reaches here: prices are
    refused at entry and totals at checkout (leadmonk.money.charge_problem); were one to, it is sent
    as it is for PayPal to refuse, as rounding it would charge another amount."""
    rounded = round_money(amount, currency)
    if currency.upper() in PAYPAL_WHOLE_UNITS and rounded == rounded.to_integral_value():
        rounded = rounded.quantize(Decimal(1))
    return f"{rounded:f}"


def _capture_of(order_body) -> object | None:
    """The first capture of a PayPal order (an SDK model), or None."""
    for unit in getattr(order_body, "purchase_units", None) or []:
        payments = getattr(unit, "payments", None)
        for capture in (getattr(payments, "captures", None) or []) if payments else []:
            return capture
    return None


@register
class PayPalProvider(PaymentProvider):
    identifier = Provider.PAYPAL
    verbose_name = "PayPal"

    def is_configured(self) -> bool:
        return bool(settings.PAYPAL_CLIENT_ID and settings.PAYPAL_CLIENT_SECRET)

    def is_available(self, owner) -> bool:
        if not self.is_configured():
            return False
        return not require_connection() or active_connection(owner, Provider.PAYPAL) is not None

    # -- checkout -------------------------------------------------------------------------

    def start_checkout(self, payment: Payment, request: HttpRequest) -> str:
        refusal = checkout_refusal(self.identifier, payment.amount, payment.currency)
        if refusal:
            logger.warning("paypal checkout for payment %s: PayPal does not take %s %s", payment.pk,
                           payment.amount, payment.currency)
            raise PaymentError(refusal)
        return_url = f"{settings.SITE_URL}{reverse('payments:return', args=[payment.token])}"
        connection = active_connection(payment.owner, Provider.PAYPAL)
        unit = PurchaseUnitRequest(
            reference_id=str(payment.order_id) if payment.order_id else f"booking-{payment.booking_id}",
            custom_id=str(payment.pk),
            invoice_id=f"payment-{payment.pk}",
            description=payment.purchase_title[:127],
            amount=AmountWithBreakdown(
                currency_code=payment.currency, value=paypal_value(payment.amount, payment.currency)
            ),
        )
        payee = ""
        if connection is not None:
            # The owner is the payee: PayPal pays their account directly.
            if connection.account_id:
                unit.payee = PayeeBase(merchant_id=connection.account_id)
                payee = connection.account_id
            else:
                unit.payee = PayeeBase(email_address=connection.email)
                payee = connection.email
        body = OrderRequest(
            intent=CheckoutPaymentIntent.CAPTURE,
            purchase_units=[unit],
            payment_source=PaymentSource(paypal=PaypalWallet(experience_context=PaypalWalletExperienceContext(
                return_url=return_url,
                cancel_url=return_url + "?cancelled=1",
                shipping_preference="NO_SHIPPING",
                user_action="PAY_NOW",
            ))),
        )
        try:
            response = paypal_client().orders.create_order({
                "body": body,
                "paypal_request_id": payment.checkout_idempotency_key,
                "prefer": "return=representation",
            })
        except ApiException as error:
            logger.warning("paypal checkout for payment %s failed: %s", payment.pk, error)
            raise PaymentProviderError(
                _("PayPal could not start the payment. Please try again in a moment.")) from error
        except NETWORK_ERRORS as error:
            logger.warning("paypal checkout for payment %s: PayPal unreachable: %s", payment.pk, error)
            raise PaymentProviderError(
                _("We could not reach PayPal. Nothing was charged; please try again in a moment.")
            ) from error
        paypal_order = response.body
        approve_url = next(
            (link.href for link in (paypal_order.links or []) if link.rel in ("payer-action", "approve")), ""
        )
        if not approve_url:
            raise PaymentProviderError(_("PayPal did not return a page to approve the payment."))
        services.payment_set_checkout(
            payment=payment, provider_reference=paypal_order.id, checkout_url=approve_url, destination_account=payee
        )
        return approve_url

    def apply_capture(self, capture, payment: Payment) -> None:
        """Move `payment` to what the capture, as read from PayPal, says."""
        status = getattr(capture, "status", None)
        if status in ("COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED"):
            amount = getattr(capture, "amount", None)
            try:
                value = Decimal(amount.value) if amount is not None else Decimal(-1)
            except (InvalidOperation, TypeError):
                value = Decimal(-1)
            services.payment_confirm(
                payment_id=payment.pk, amount=value,
                currency=(getattr(amount, "currency_code", "") or "") if amount is not None else "",
                provider_payment_id=capture.id,
            )
            if status == "REFUNDED":
                services.payment_mark_refunded(payment_id=payment.pk, reason=gettext_noop("The payment was refunded."))
        elif status == "PENDING":
            services.payment_mark_pending(payment_id=payment.pk, provider_payment_id=capture.id)
        elif status in ("DECLINED", "FAILED"):
            services.payment_fail(payment_id=payment.pk, reason="PayPal declined the payment.")

    def handle_return(self, payment: Payment, request: HttpRequest) -> None:
        """Capture the approved PayPal order. The request id makes a second return (or the page
        refreshing itself) replay the same capture instead of capturing twice."""
        if not payment.provider_reference or payment.status not in (PaymentStatus.CREATED, PaymentStatus.PENDING):
            return
        client = paypal_client()
        capture = None
        try:
            if payment.status == PaymentStatus.CREATED:
                response = client.orders.capture_order({
                    "id": payment.provider_reference,
                    "paypal_request_id": f"capture-{payment.pk}",
                    "prefer": "return=representation",
                })
                capture = _capture_of(response.body)
        except ApiException as error:
            # Not approved yet, or already captured: read the order back to know which.
            logger.info("paypal capture of payment %s answered %s; reading the order", payment.pk, error)
        except NETWORK_ERRORS as error:
            # The capture may or may not have happened: the request id makes a retry safe.
            logger.warning("paypal capture of payment %s: PayPal unreachable: %s", payment.pk, error)
            raise PaymentProviderError() from error
        if capture is None:
            try:
                capture = _capture_of(client.orders.get_order({"id": payment.provider_reference}).body)
            except (ApiException, *NETWORK_ERRORS) as error:
                raise PaymentProviderError() from error
        if capture is not None:
            self.apply_capture(capture, payment)

    # -- webhook --------------------------------------------------------------------------

    def verify_signature(self, request: HttpRequest, event: dict) -> bool:
        """Ask PayPal whether it sent this notification (POST /v1/notifications/verify-webhook-signature)."""
        if not settings.PAYPAL_WEBHOOK_ID:
            return False
        fields = {name: request.headers.get(header, "") for name, header in SIGNATURE_HEADERS.items()}
        if not all(fields.values()):
            return False
        token = paypal_client().oauth_2.fetch_token()
        # The event goes back byte for byte as it arrived: PayPal's signature covers the raw body,
        # and re-serialising the parsed JSON (key order, spacing, number formats) can break it.
        try:
            raw_event = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        envelope = json.dumps({**fields, "webhook_id": settings.PAYPAL_WEBHOOK_ID})
        body = envelope[:-1] + ', "webhook_event": ' + raw_event + "}"
        response = requests.post(
            f"{api_base()}/v1/notifications/verify-webhook-signature",
            data=body.encode("utf-8"),
            headers={"Authorization": f"Bearer {token.access_token}", "Content-Type": "application/json"},
            timeout=30,
        )
        if response.status_code >= 500:
            raise PaymentProviderError()
        try:
            return response.status_code == 200 and response.json().get("verification_status") == "SUCCESS"
        except ValueError:
            return False

    def handle_webhook(self, request: HttpRequest) -> HttpResponse:
        from payments.webhooks import event_process, event_seen

        try:
            event = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return HttpResponse("Invalid body.", status=400)
        if not isinstance(event, dict) or not isinstance(event.get("id"), str):
            return HttpResponse("Invalid body.", status=400)
        try:
            if not self.verify_signature(request, event):
                return HttpResponse("Invalid signature.", status=400)
        except (PaymentProviderError, PaymentProviderUnavailable, ApiException, *NETWORK_ERRORS) as error:
            logger.warning("paypal webhook: could not verify: %s", error)
            return HttpResponse("PayPal did not answer, retry later.", status=503)
        event_id, event_type = event["id"], str(event.get("event_type", ""))
        if event_type not in HANDLED_EVENTS:
            return HttpResponse("Ignored.")
        if event_seen(provider=Provider.PAYPAL, event_id=event_id):
            return HttpResponse("Already processed.")
        capture_id = _capture_id_of_event(event)
        if not capture_id:
            return HttpResponse("No capture, ignored.")
        try:
            capture = paypal_client().payments.get_captured_payment({"capture_id": capture_id}).body
        except ApiException as error:
            if getattr(error, "response_code", None) == 404:
                return HttpResponse("Unknown capture, ignored.")
            return HttpResponse("PayPal did not answer, retry later.", status=503)
        except NETWORK_ERRORS:
            return HttpResponse("PayPal did not answer, retry later.", status=503)
        payment = _payment_for_capture(capture)
        if payment is None:
            logger.info("paypal event %s: no payment for capture %s, ignored", event_id, capture_id)
            return HttpResponse("Unknown payment, ignored.")
        refund = None
        refund_id = str((event.get("resource") or {}).get("id") or "")
        if event_type == "PAYMENT.CAPTURE.REFUNDED" and refund_id:
            # The refund itself, read back from PayPal (not from the event body): a part or all.
            try:
                refund = self.fetch_refund(refund_id)
            except PaymentProviderError:
                return HttpResponse("PayPal did not answer, retry later.", status=503)

        def apply() -> None:
            if refund is not None:
                services.payment_record_provider_refund(
                    payment_id=payment.pk, provider_reference=refund["id"], amount=refund["amount"],
                    our_key=refund["key"], reason=gettext_noop("Refunded in PayPal."),
                )
            self.apply_capture(capture, payment)

        return event_process(provider=Provider.PAYPAL, event_id=event_id, event_type=event_type, apply=apply)

    # -- refund ---------------------------------------------------------------------------

    def refund(self, payment: Payment, *, amount: Decimal | None = None, idempotency_key: str = "") -> str:
        if not payment.provider_payment_id:
            raise RefundError("PayPal has no capture for this payment to refund.")
        key = idempotency_key or services.full_refund_key(payment.pk)
        # Our key is the refund's invoice id: the PAYMENT.CAPTURE.REFUNDED webhook reads it back and
        # matches the Refund we reserved, so the refund is counted once.
        body = RefundRequest(invoice_id=key)
        if amount is not None and amount != payment.amount:
            # A part of the capture; without an amount PayPal refunds what is left of it.
            body.amount = Money(currency_code=payment.currency, value=paypal_value(amount, payment.currency))
        try:
            response = paypal_client().payments.refund_captured_payment({
                "capture_id": payment.provider_payment_id,
                "paypal_request_id": key,
                "prefer": "return=representation",
                "body": body,
            })
        except ApiException as error:
            logger.warning("paypal refund of payment %s failed: %s", payment.pk, error)
            raise RefundError(
                "PayPal could not refund this payment. Please try again or refund it in PayPal."
            ) from error
        except NETWORK_ERRORS as error:
            logger.warning("paypal refund of payment %s: PayPal unreachable: %s", payment.pk, error)
            raise RefundError(
                "We could not reach PayPal, so nothing was refunded. Please try again in a few minutes."
            ) from error
        refund = response.body
        if getattr(refund, "status", "") in ("CANCELLED", "FAILED"):
            raise RefundError("PayPal refused the refund.")
        return getattr(refund, "id", "") or ""

    def fetch_refund(self, refund_id: str) -> dict | None:
        """A refund as PayPal says it is now: id, amount, our key (its invoice id); None when PayPal
        does not know it or it did not go through."""
        try:
            refund = paypal_client().payments.get_refund({"refund_id": refund_id}).body
        except ApiException as error:
            if getattr(error, "response_code", None) == 404:
                return None
            raise PaymentProviderError() from error
        except NETWORK_ERRORS as error:
            raise PaymentProviderError() from error
        if getattr(refund, "status", "") in ("CANCELLED", "FAILED"):
            return None
        money = getattr(refund, "amount", None)
        try:
            amount = Decimal(money.value) if money is not None else None
        except (InvalidOperation, TypeError):
            amount = None
        return {"id": getattr(refund, "id", "") or refund_id, "amount": amount,
                "key": str(getattr(refund, "invoice_id", "") or "")}


def _capture_id_of_event(event: dict) -> str:
    """The capture an event is about: the resource itself, or (for a refund) its 'up' link."""
    resource = event.get("resource") or {}
    if not isinstance(resource, dict):
        return ""
    if event.get("event_type") != "PAYMENT.CAPTURE.REFUNDED":
        return str(resource.get("id") or "")
    for link in resource.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "up" and "/captures/" in str(link.get("href", "")):
            return str(link["href"]).rstrip("/").rsplit("/", 1)[-1]
    return ""


def _payment_for_capture(capture) -> Payment | None:
    custom_id = str(getattr(capture, "custom_id", "") or "")
    if custom_id.isdigit():
        payment = Payment.objects.filter(pk=int(custom_id), provider=Provider.PAYPAL).first()
        if payment is not None:
            return payment
    return Payment.objects.filter(provider=Provider.PAYPAL, provider_payment_id=capture.id).first()
