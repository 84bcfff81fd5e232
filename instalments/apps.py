from django.apps import AppConfig


class InstalmentsConfig(AppConfig):
    name = "instalments"

    def ready(self) -> None:
        from instalments import receivers  # noqa: F401  (plans follow their order and its payments)
        from instalments.models import Instalment, PaymentPlan
        from leadmonk.content_version import ORDERS, owner_through, watch

        # The owner's dashboard lists show what a plan has paid (leadmonk.content_version.ORDERS).
        watch(PaymentPlan, kind=ORDERS, owner_of=owner_through("order"))
        watch(Instalment, kind=ORDERS, owner_of=owner_through("plan", "order"))
