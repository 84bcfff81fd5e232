"""Path converters shared by the url modules. `<token:...>` only matches what a token can look like
(URL-safe base64, `secrets.token_urlsafe`), so a malformed one is a 404 from the resolver and never
reaches the database (a NUL byte in a query parameter is a server error on PostgreSQL)."""
from django.urls import register_converter

from leadmonk.tokens import TOKEN_PATTERN


class TokenConverter:
    regex = TOKEN_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# Registered on import; every url module that uses <token:...> imports this module first.
register_converter(TokenConverter, "token")


class DocumentNumberConverter:
    """An invoice or credit note number: letters, digits, dots, dashes and underscores (the shape
    the invoice settings allow for a prefix, then digits), so a NUL byte or a space is a 404."""
    regex = r"[A-Za-z0-9._-]{1,40}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DocumentNumberConverter, "docnumber")
