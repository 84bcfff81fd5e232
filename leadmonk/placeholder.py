"""A page for a section that is still being built (replaced by each app's real view)."""
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


def section(title: str):
    @login_required
    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        return render(request, "dashboard/placeholder.html", {"title": title})

    return view


def public_not_found(request: HttpRequest, **kwargs) -> HttpResponse:
    raise Http404
