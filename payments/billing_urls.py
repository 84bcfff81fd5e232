"""Plans: the public pricing page and the owner's Settings › Plan pages (mounted at the site root)."""
from django.urls import path

from payments import billing_views as views
from payments.providers.sandbox import billing_views as test_views

app_name = "billing"

urlpatterns = [
    path("pricing/", views.pricing, name="pricing"),
    path("pricing/enterprise/", views.enterprise_contact, name="enterprise_contact"),
    path("dashboard/settings/plan/", views.plan, name="plan"),
    path("dashboard/settings/plan/upgrade/", views.upgrade, name="upgrade"),
    path("dashboard/settings/plan/manage/", views.manage, name="manage"),
    path("dashboard/settings/plan/return/", views.checkout_return, name="checkout_return"),
    path("dashboard/settings/plan/test-checkout/", test_views.test_checkout, name="test_checkout"),
    path("dashboard/settings/plan/test-portal/", test_views.test_portal, name="test_portal"),
]
