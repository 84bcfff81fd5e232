from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        # Connects the credit ledger to scheduling.signals (bookings made and cancelled).
        from orders import credits  # noqa: F401
