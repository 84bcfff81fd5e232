from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "promotions"

    def ready(self) -> None:
        from leadmonk.content_version import ORDERS, owner_through, watch
        from promotions.models import PromoCode, PromoRedemption

        # The owner's dashboard lists show the code a sale used (leadmonk.content_version.ORDERS).
        watch(PromoCode, kind=ORDERS)
        watch(PromoRedemption, kind=ORDERS, owner_of=owner_through("promo_code"))
