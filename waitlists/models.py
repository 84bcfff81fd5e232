"""Waitlists of full group sessions: who waits for a seat of one time of a meeting type, in order."""
from django.db import models
from django.db.models import Q


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offered a seat"
    CLAIMED = "claimed", "Claimed"
    EXPIRED = "expired", "Offer expired"
    REMOVED = "removed", "Removed"


# Still in line: one such entry per email and time (the conditional unique constraint below).
OPEN_STATUSES = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


class WaitlistEntry(models.Model):
    meeting_type = models.ForeignKey("scheduling.MeetingType", on_delete=models.CASCADE,
                                     related_name="waitlist_entries")
    start = models.DateTimeField()  # UTC, the session's start
    client_name = models.CharField(max_length=200)
    client_email = models.EmailField()  # normalised (leadmonk.client_email)
    client_phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    client_timezone = models.CharField(max_length=64, default="UTC")
    # The language of the page the client joined on: the offer of a seat speaks it, whoever freed
    # the seat ("": the owner's page language, leadmonk.languages.message_language).
    client_language = models.CharField(max_length=8, blank=True, default="")
    # A package client's entry: claiming it spends a credit of this item (orders.order_session_book).
    order_item = models.ForeignKey("orders.OrderItem", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="waitlist_entries")
    position = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING)
    offered_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # sha256 of the claim link's token (the token itself is only in the email and text).
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    booking = models.ForeignKey("scheduling.Booking", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "position", "id"]
        indexes = [
            models.Index(fields=["meeting_type", "start", "status", "position"]),
            # The expiry task's scan (waitlists.services.waitlist_expire_due).
            models.Index(fields=["status", "expires_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["meeting_type", "start", "client_email"],
                                    condition=Q(status__in=["waiting", "offered"]), name="waitlist_once_per_email"),
        ]

    def __str__(self) -> str:
        return f"{self.client_name} waiting for {self.meeting_type_id} at {self.start:%Y-%m-%d %H:%M}"

    @property
    def session_name(self) -> str:
        """What the session is called to the client: a package client's seat keeps the name its order
        was sold with (as its order page and emails call it), whatever the meeting type is called now."""
        if self.order_item_id is not None:
            return self.order_item.meeting_type_name
        return self.meeting_type.name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
