from django.contrib import admin

from promotions.models import PromoCode, PromoRedemption


@admin.register(PromoCode)
class PromoCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "owner", "kind", "value", "currency", "max_uses", "is_active", "deleted_at")
    search_fields = ("code", "owner__email")
    raw_id_fields = ("owner",)
    filter_horizontal = ("packages", "meeting_types")


@admin.register(PromoRedemption)
class PromoRedemptionAdmin(admin.ModelAdmin):
    list_display = ("promo_code", "reference", "client_email", "discount", "currency", "created_at", "released_at")
    search_fields = ("reference", "client_email", "promo_code__code")
    raw_id_fields = ("promo_code",)
