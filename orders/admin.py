"""Admin views of orders: read-mostly (statuses change through orders.transitions only)."""
from django.contrib import admin

from orders.models import OrderItem, PackageOrder


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    can_delete = False
    fields = ["meeting_type_name", "duration_minutes", "kind", "quantity", "position", "meeting_type"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PackageOrder)
class PackageOrderAdmin(admin.ModelAdmin):
    list_display = ["title", "client_name", "client_email", "owner", "status", "price", "currency", "created_at"]
    list_filter = ["status", "currency"]
    search_fields = ["client_name", "client_email", "title", "token", "owner__email"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    inlines = [OrderItemInline]
    # The snapshot and the status are history: they are not edited here.
    readonly_fields = [
        "token", "owner", "package", "status", "title", "description", "price", "currency", "terms",
        "payment_medium", "answers", "terms_accepted_at", "created_at", "updated_at", "paid_at", "cancelled_at",
    ]
