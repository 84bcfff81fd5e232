"""The package editor's offer to make a Public meeting type of the package Package only: a
Public type in a package can be booked on its own, for free, from the booking page (DESIGN.md
rule 11). One click changes that one meeting type; nothing changes without it."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from packages import selectors
from packages.views import SECTION_INFO
from scheduling import setup_services
from scheduling.models import Visibility


@login_required
@require_POST
def make_package_only(request: HttpRequest, pk: int, meeting_type_pk: int) -> HttpResponse:
    package = selectors.package_for_edit(owner=request.user, pk=pk)
    if package is None:
        raise Http404("No such package.")
    # Only a meeting type of this package (so only one of the owner's own) can be changed here.
    meeting_type = next((item.meeting_type for item in package.items.all()
                         if item.meeting_type_id == meeting_type_pk), None)
    if meeting_type is None:
        raise Http404("No such meeting type in this package.")
    try:
        saved = setup_services.meeting_type_set_visibility(meeting_type=meeting_type,
                                                           visibility=Visibility.PACKAGE_ONLY)
    except setup_services.SetupError as error:
        messages.error(request, error.message, extra_tags=SECTION_INFO)
    else:
        messages.success(request, f"“{saved.name}” is now package-only: clients book it from the order page of "
                                  "a package that includes it, and it is no longer listed on your booking page.",
                         extra_tags=SECTION_INFO)
    return redirect(reverse("packages:edit", args=[package.pk]) + "#package-info")
