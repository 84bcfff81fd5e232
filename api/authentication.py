"""`Authorization: Bearer <API key>`: the only way into the API (no session cookie, so no CSRF)."""
from django.utils import timezone
from rest_framework import authentication, exceptions

from api.selectors import api_key_for
from api.services import api_key_touch


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None  # no credentials: the permission answers 401 with WWW-Authenticate
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise exceptions.AuthenticationFailed("Send the key as `Authorization: Bearer <API key>`.")
        api_key = api_key_for(key.strip())
        if api_key is None:
            raise exceptions.AuthenticationFailed("This API key is not valid.")
        if not api_key.is_active:
            raise exceptions.AuthenticationFailed("This API key was revoked.")
        if not api_key.owner.is_active:
            raise exceptions.AuthenticationFailed("This account is disabled.")
        api_key_touch(api_key=api_key, now=timezone.now())
        return api_key.owner, api_key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
