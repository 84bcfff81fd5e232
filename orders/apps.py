from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from leadmonk.content_version import ORDERS, owner_through, watch
        from orders import receivers  # noqa: F401  (connects the signal receivers: the credit ledger)
        from orders.models import CreditLedgerEntry, Gift, LimitOverride, OrderItem, PackageOrder

        # What the owner's dashboard lists show of their sales (leadmonk.content_version.ORDERS).
        watch(PackageOrder, kind=ORDERS)
        watch(OrderItem, kind=ORDERS, owner_of=owner_through("order"))
        item_owner = owner_through("order_item", "order")

        def entry_owner(entry) -> int | None:
            # A booking's entry has its booking at hand (the booking's owner is the order's): no query.
            if entry.booking_id is not None and CreditLedgerEntry.booking.is_cached(entry):
                return entry.booking.owner_id
            return item_owner(entry)

        watch(CreditLedgerEntry, kind=ORDERS, owner_of=entry_owner)
        watch(Gift, kind=ORDERS, owner_of=owner_through("order"))
        watch(LimitOverride, kind=ORDERS, owner_of=owner_through("booking"))
