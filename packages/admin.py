from django.contrib import admin

from packages.models import InviteeQuestion, Package, PackageItem


class PackageItemInline(admin.TabularInline):
    model = PackageItem
    extra = 0
    raw_id_fields = ["meeting_type"]


class InviteeQuestionInline(admin.TabularInline):
    model = InviteeQuestion
    extra = 0


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "state", "price", "currency", "payment_medium", "created_at"]
    list_filter = ["state", "currency", "payment_medium"]
    search_fields = ["name", "slug", "owner__email"]
    raw_id_fields = ["owner"]
    list_select_related = ["owner"]
    inlines = [PackageItemInline, InviteeQuestionInline]
