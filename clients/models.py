"""What the Clients page keeps: a table of the owner's clients (one row per normalised email on the
owner's orders and bookings, kept in step by clients.upkeep) and the log of erasures: who erased
which client, when, and the HMAC of the address (leadmonk.client_email) that the erased rows carry,
so the owner can show a regulator that a request was answered."""
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


class Client(models.Model):
    """One client of one owner, as the Clients page lists them: a copy kept in step with the owner's
    orders, bookings, payments and credit ledger (clients.upkeep recomputes a client's row from those
    rows, in the writer's transaction, on every change; `manage.py clients_table` rebuilds or checks
    it). A row exists while the owner has an order or booking with this address, or a gift bought with
    it; an erasure deletes it and the pseudonym its rows then carry gets none."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.CharField(max_length=254)  # normalised (leadmonk.client_email.normalize_email)
    reference = models.CharField(max_length=24)  # clients.selectors.client_reference
    name = models.CharField(max_length=200, blank=True)  # the greatest of the names they gave
    search = models.TextField(blank=True)  # the address and every name given, lower case, one a line
    orders = models.PositiveIntegerField(default=0)
    bookings = models.PositiveIntegerField(default=0)
    paid = models.JSONField(default=list, blank=True)  # [["240.00", "USD"], ...]: kept, per currency
    sessions_left = models.IntegerField(default=0)
    last_session = models.DateTimeField(null=True, blank=True)
    # The first confirmed session at or after the row was written: the page reads the bookings again
    # for a row whose next session has begun since.
    next_session = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "email"], name="client_owner_email")]
        indexes = [models.Index(fields=["owner", "reference"], name="client_owner_reference")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
