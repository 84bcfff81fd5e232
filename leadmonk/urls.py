"""The URL map of DESIGN.md. Public owner pages come last: `/<owner-slug>/` catches the rest."""
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from accounts import views as accounts_views
from leadmonk import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", accounts_views.home, name="home"),
    path("healthz/", core_views.healthz, name="healthz"),
    # The client pages' language switcher (leadmonk.languages).
    path("language/<str:code>/", core_views.switch_language, name="switch_language"),
    path("", include("accounts.urls")),
    path("", include("payments.billing_urls")),
    # The dashboard under one prefix: a public page's address is tried against it once, not once
    # per dashboard section (each failed include raises and catches a Resolver404).
    path("dashboard/", include([
        path("packages/", include("packages.urls")),
        path("promo-codes/", include("promotions.urls")),
        path("orders/", include("orders.urls")),
        path("clients/", include("clients.urls")),
        path("payments/", include("payments.dashboard_urls")),
        path("insights/", include("insights.urls")),
        path("teams/", include("teams.urls")),
        path("settings/calendars/", include("calendars.urls")),
        path("settings/invoices/", include("invoices.urls")),
        path("settings/api/", include("api.settings_urls")),
        path("settings/webhooks/", include("webhooks.urls")),
        path("settings/embed/", include("embed.settings_urls")),
        path("waitlists/", include("waitlists.urls")),
        path("members/", include("memberships.urls")),
        path("", include("scheduling.urls")),
    ])),
    path("", include("invoices.public_urls")),
    path("orders/<str:token>/membership/", include("memberships.public_urls")),
    path("orders/", include("instalments.urls")),
    path("orders/", include("orders.public_urls")),
    path("bookings/", include("scheduling.booking_urls")),
    path("calendar/", include("scheduling.feed_urls")),
    path("payments/", include("payments.urls")),
    path("notifications/", include("notifications.urls")),
    path("team/", include("teams.public_urls")),
    path("api/v1/", include("api.urls")),
    path("embed/", include("embed.urls")),
    # The client portal; before the catch-all below ("my" is a reserved slug).
    path("my/", include("portal.urls")),
    path("", include("leadmonk.public_urls")),
]

if settings.MEDIA_SERVE:
    # Development only: in production the object store (or the web server) serves MEDIA_URL.
    urlpatterns.insert(0, re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}))

if settings.BENCH_MODE:
    urlpatterns.insert(0, path("bench/trivial/", core_views.bench_trivial))
