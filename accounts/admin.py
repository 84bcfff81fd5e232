from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from accounts.models import Subscription, User
from accounts.services import owner_set_plan


class _EmailAsLogInTakesIt:
    """The address lowercased, as log-in and every lookup take it (User.objects.create_user does the
    same), and refused when another owner has it in any case."""

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"].strip()).lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("An owner with this email address already exists.")
        return email


class OwnerChangeForm(_EmailAsLogInTakesIt, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class OwnerCreationForm(_EmailAsLogInTakesIt, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "display_name")
        field_classes = {}


@admin.register(User)
class OwnerAdmin(UserAdmin):
    form = OwnerChangeForm
    add_form = OwnerCreationForm
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

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and "plan" in form.changed_data:
            # A plan set here is a staff decision: Stripe must not overwrite it (billing_services).
            owner_set_plan(owner=obj, plan=obj.plan)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Read-only: the state comes from Stripe. To give an owner a plan by hand, edit the owner."""

    list_display = ["owner", "plan", "interval", "status", "current_period_end", "cancel_at_period_end",
                    "staff_plan_set_at", "is_test", "unknown_price_id", "unknown_price_until"]
    list_filter = ["status", "plan", "is_test"]
    search_fields = ["owner__email", "stripe_customer_id", "stripe_subscription_id", "unknown_price_id"]
    list_select_related = ["owner"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
