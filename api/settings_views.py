"""Settings › API: the owner's API keys. A new key is shown once: the form redirects (so a reload
cannot make a second key) and the key rides in the server-side session only until that next page
takes it out; the database keeps only its hash. "Revoke" stops a key at once."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from api import selectors, services
from api.forms import ApiKeyForm
from api.models import ApiKey

NEW_KEY = "api_new_key"  # the session entry that carries a new key to the one page that shows it


def _get_api_key_for_owner(request: HttpRequest, pk: int) -> ApiKey:
    api_key = ApiKey.objects.filter(owner=request.user, pk=pk).first()
    if api_key is None:
        raise Http404("No such API key.")
    return api_key


@never_cache  # the page that shows a new key must not be kept by a browser or proxy cache
@login_required
def api_keys_page(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            made = services.api_key_create(owner=request.user, name=form.cleaned_data["name"],
                                           scope=form.cleaned_data["scope"])
            request.session[NEW_KEY] = {"id": made.api_key.pk, "key": made.key}
            return redirect(reverse("api_keys:list") + "#new-key")
        messages.error(request, "Please correct the errors below. No key was created.")
        status = 400
    keys = list(selectors.api_keys_for_owner(request.user))
    shown = request.session.pop(NEW_KEY, None) if request.method == "GET" else None
    new_key = None
    if shown:
        new_key = next(({"api_key": key, "key": shown["key"]} for key in keys if key.pk == shown["id"]), None)
    return render(request, "api/keys.html", {"form": form, "new_key": new_key, "keys": keys}, status=status)


@login_required
@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    api_key = _get_api_key_for_owner(request, pk)
    if services.api_key_revoke(owner=request.user, pk=api_key.pk):
        messages.success(request, f"“{api_key.name}” was revoked: requests with it are refused from now on.")
    else:
        messages.info(request, f"“{api_key.name}” was already revoked.")
    return redirect("api_keys:list")
