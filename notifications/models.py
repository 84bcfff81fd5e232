"""The reminder outbox and the log of every message sent."""
from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CLAIMED = "claimed", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    DROPPED = "dropped", "Dropped"


class Reminder(models.Model):
    """One reminder of one booking on one channel at one offset; claimed by the dispatcher when due."""

    booking = models.ForeignKey("scheduling.Booking", on_delete=models.CASCADE, related_name="reminders")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    offset_minutes = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "channel", "offset_minutes"], name="reminder_unique_offset"),
        ]
        indexes = [models.Index(fields=["status", "due_at"])]
