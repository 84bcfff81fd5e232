from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self) -> None:
        from leadmonk import content_version
        from payments import (
            booking_payments,  # noqa: F401  (connects the paid sessions' receivers)
            checks,  # noqa: F401  (registers the configuration warnings)
            providers,  # noqa: F401  (registers the built-in payment providers)
            receivers,  # noqa: F401  (connects the signal receivers)
        )
        from payments.models import Payment, PaymentConnection, Refund

        # Which payment mediums the order page offers (leadmonk.content_version).
        content_version.watch(PaymentConnection)
        # The owner's Payments and Orders lists (content_version.ORDERS).
        content_version.watch(Payment, kind=content_version.ORDERS)
        content_version.watch(Refund, kind=content_version.ORDERS, owner_of=content_version.owner_through("payment"))
