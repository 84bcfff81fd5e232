"""An owner's other calendars: connections (an ICS feed address, or a CalDAV account), the
calendars in them (checked for conflicts, or the one bookings are added to), and the outbox of
writes to that calendar. The busy times read from them are scheduling.ExternalBusy rows, which
the slot engine reads without knowing this app.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q


class ConnectionKind(models.TextChoices):
    FEED = "feed", "ICS feed"
    CALDAV = "caldav", "CalDAV account"


class CalendarConnection(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_connections")
    kind = models.CharField(max_length=8, choices=ConnectionKind.choices)
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=2000)
    username = models.CharField(max_length=200, blank=True)
    # Fernet token (calendars.secrets) of the app password; never shown again once saved.
    password_encrypted = models.TextField(blank=True)
    all_day_busy = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    event_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_feed(self) -> bool:
        return self.kind == ConnectionKind.FEED


class Calendar(models.Model):
    """One calendar of a connection (a feed is one calendar)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(CalendarConnection, on_delete=models.CASCADE, related_name="calendars")
    url = models.URLField(max_length=2000)
    name = models.CharField(max_length=200)
    check_conflicts = models.BooleanField(default=True)
    add_bookings = models.BooleanField(default=False)
    # What the server said last time, for a conditional refresh: a feed's ETag and Last-Modified,
    # a CalDAV calendar's ctag (or sync-token).
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    change_tag = models.CharField(max_length=500, blank=True)
    # How far ahead the stored busy times were read (calendars.services._window). A "not changed"
    # answer keeps them as they are, so they are read whole again before the booking window
    # passes this.
    read_until = models.DateTimeField(null=True, blank=True)
    # The owner's time zone the stored busy times were read in: all-day events and times without a
    # zone are the owner's days and hours, so a calendar is read whole again once the zone changes.
    read_in_zone = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner"], condition=Q(add_bookings=True), name="one_add_bookings_calendar"),
        ]

    def __str__(self) -> str:
        return self.name


class WriteAction(models.TextChoices):
    PUT = "put", "Write the event"
    DELETE = "delete", "Delete the event"


class WriteStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENT = "sent", "Sent"


class CalendarWrite(models.Model):
    """Outbox row: one change of a booking's event in the owner's "Add bookings to" calendar,
    written in the booking's transaction and sent after it commits (calendars.delivery), per
    calendar in id order."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Kept when the owner removes the account (None then), with the address it was written to: the
    # events stay in that calendar, so their bookings' UIDs are still ours (not read back as busy
    # times) and, once the same calendar is connected again, its writes take it up again
    # (calendars.services.caldav_add), and moves and cancels reach those events instead of
    # leaving them behind or writing them a second time in another calendar.
    calendar = models.ForeignKey(Calendar, on_delete=models.SET_NULL, null=True, related_name="writes")
    calendar_url = models.URLField(max_length=2000, blank=True)
    booking = models.ForeignKey("scheduling.Booking", on_delete=models.CASCADE, related_name="+")
    uid = models.CharField(max_length=255, db_index=True)
    action = models.CharField(max_length=8, choices=WriteAction.choices)
    ics = models.BinaryField(blank=True)
    status = models.CharField(max_length=8, choices=WriteStatus.choices, default=WriteStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A worker sending this row holds it until then; another one leaves it (and what follows it).
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["calendar", "status", "id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.uid}"
