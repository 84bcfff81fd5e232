from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        # Connects the credit ledger to scheduling.signals (bookings made and cancelled), and the
        # hand-over of a paid gift to its recipient to orders.signals.order_activated.
        from orders import credits, gifts  # noqa: F401
        from orders.services import refuse_change_of_inactive_order
        from scheduling import signals as scheduling_signals

        scheduling_signals.booking_change_requested.connect(
            refuse_change_of_inactive_order, dispatch_uid="orders.refuse_change_of_inactive_order"
        )
