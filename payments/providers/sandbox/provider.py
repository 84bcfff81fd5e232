"""The test provider: a local checkout page with "Pay" and "Fail" buttons, so the whole flow runs
without keys. On only when TEST_PAYMENTS_ENABLED (DEBUG by default); it moves no real money."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from payments import services
from payments.models import Payment, Provider
from payments.providers.base import PaymentProvider, register

# The test provider's saved "cards" for a payment plan's later instalments.
SAVED_CARD = "test-card"
DECLINED_CARD = "test-card-declined"


@register
class TestProvider(PaymentProvider):
    identifier = Provider.TEST
    verbose_name = "Test provider"  # as Provider.TEST is labelled, so checkout and receipt agree

    def is_configured(self) -> bool:
        return bool(settings.TEST_PAYMENTS_ENABLED)

    def start_checkout(self, payment: Payment, request: HttpRequest) -> str:
        url = reverse("payments:test_checkout", args=[payment.token])
        # A path on this site (not a provider URL), reused by a second click on "Pay".
        services.payment_set_checkout(payment=payment, provider_reference=f"test-{payment.pk}", checkout_url=url)
        return url

    def pay(self, payment: Payment) -> Payment:
        if payment.saves_method and not payment.saved_method:
            # A payment plan's checkout keeps the card for the later instalments, as Stripe's
            # setup_future_usage does.
            services.payment_record_saved_method(payment_id=payment.pk, saved_method=SAVED_CARD,
                                                 owner_id=payment.owner_id)
        return services.payment_confirm(
            payment_id=payment.pk, amount=payment.amount, currency=payment.currency,
            provider_payment_id=f"test-charge-{payment.pk}",
        )

    def fail(self, payment: Payment) -> Payment:
        return services.payment_fail(payment_id=payment.pk, reason="Failed on the test checkout page.")

    def handle_webhook(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(status=404)

    charges_saved_methods = True

    def charge_saved(self, payment: Payment) -> Payment:
        # The test "cards": DECLINED_CARD fails the charge (the "Fail the next instalment" control
        # of the instalments app), any other goes through. No money moves.
        if payment.saved_method == DECLINED_CARD:
            return services.payment_fail(payment_id=payment.pk, reason="The test card was declined.")
        return self.pay(payment)

    def refund(self, payment: Payment, *, amount: Decimal | None = None, idempotency_key: str = "") -> str:
        # Moves no money; the refund id is the key, so a replay names the same refund.
        return f"test-{idempotency_key or services.full_refund_key(payment.pk)}"
