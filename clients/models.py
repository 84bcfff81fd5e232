"""The Clients page keeps no copy of who a client is: a client is the normalised email on the
owner's orders and bookings (clients.selectors says why). What it does keep is the log of erasures:
who erased which client, when, and the HMAC of the address (leadmonk.client_email) that the
erased rows carry, so the owner can show a regulator that a request was answered."""
from django.conf import settings
from django.db import models


class ClientErasure(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_erasures")
    # client_email_hash() of the address erased: the pseudonym on its rows is "erased-<hash>@…".
    email_hash = models.CharField(max_length=64)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField()
    # How many rows of each kind were rewritten: {"orders": 2, "bookings": 5, ...}.
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-erased_at", "-id"]
        indexes = [models.Index(fields=["owner", "-erased_at"])]

    def __str__(self) -> str:
        return f"Client {self.email_hash[:12]}… erased {self.erased_at:%Y-%m-%d %H:%M} UTC"
