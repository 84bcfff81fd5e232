"""The owner's calendar feed: /calendar/<token>.ics, which any calendar app can subscribe to.

The token is the only key (256 random bits, new one from Settings). Not throttled: calendar
services poll from shared addresses, and a guess of the token is hopeless anyway.
"""
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from scheduling.calendar import owner_feed_ics
from scheduling.selectors import calendar_feed


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    found = calendar_feed(token=token, now=now)
    if found is None:
        raise Http404("No calendar here.")
    owner, bookings = found
    response = HttpResponse(owner_feed_ics(owner=owner, bookings=bookings, now=now),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="bookings.ics"'
    # Client names and contacts: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response
