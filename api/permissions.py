"""A key reads with any scope; it writes (POST, and any other unsafe method) only when read-write."""
from rest_framework import permissions

from api.models import ApiKey


class ApiKeyScopePermission(permissions.BasePermission):
    message = "This API key is read-only; create a read-write key in Settings › API to make changes."

    def has_permission(self, request, view) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            self.message = "Authentication is required: send `Authorization: Bearer <API key>`."
            # DRF answers 401 (not 403) when the request carried no credentials at all.
            return False
        return request.method in permissions.SAFE_METHODS or api_key.can_write
