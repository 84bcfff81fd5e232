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
        watch(CreditLedgerEntry, kind=ORDERS, owner_of=owner_through("order_item", "order"))
        watch(Gift, kind=ORDERS, owner_of=owner_through("order"))
        watch(LimitOverride, kind=ORDERS, owner_of=owner_through("booking"))
