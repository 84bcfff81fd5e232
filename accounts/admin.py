from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class OwnerAdmin(UserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "slug", "plan", "timezone", "is_staff"]
    list_filter = ["plan", "is_staff", "is_active"]
    search_fields = ["email", "display_name", "slug"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "slug", "timezone", "plan", "notify_owner_by_email")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")}),)
