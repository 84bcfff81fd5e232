"""The client portal's one table: the sign-in links of "Find my bookings" (/my/)."""
from django.db import models


class SignInLink(models.Model):
    """A single-use sign-in link sent to a client email. Only the SHA-256 of its token is kept, so
    a copy of the database opens nobody's bookings; the token itself lives in the email (and in
    its outbox row until that is sent: notifications.delivery erases it)."""

    email = models.EmailField()  # normalised (leadmonk.client_email.normalize_email)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The hourly purge (portal.tasks) deletes by it.
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"Sign-in link for {self.email} ({'used' if self.used_at else 'unused'})"
