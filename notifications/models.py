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
    # Set with each claim; "sent" is only recorded by the dispatcher holding this claim.
    claim_token = models.UUIDField(null=True, blank=True)
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


class MessageKind(models.TextChoices):
    ORDER_CONFIRMED = "order_confirmed", "Order confirmation"
    ORDER_NEW = "order_new", "New order notice"
    ORDER_CANCELLED = "order_cancelled", "Order cancelled"
    ORDER_REFUNDED = "order_refunded", "Order refunded"
    PARTIAL_REFUND = "partial_refund", "Part of a payment refunded"
    SESSION_REFUNDED = "session_refunded", "Session payment refunded"
    BOOKING_CONFIRMED = "booking_confirmed", "Booking confirmed"
    BOOKING_RESCHEDULED = "booking_rescheduled", "Booking rescheduled"
    BOOKING_CANCELLED = "booking_cancelled", "Booking cancelled"
    SESSIONS_BOOKED = "sessions_booked", "Sessions booked in one go"
    REMINDER = "reminder", "Reminder"
    ORDER_EXPIRING = "order_expiring", "Sessions expiring"
    ORDER_BOOK_NUDGE = "order_book_nudge", "Sessions left to book"
    ORDER_PAYMENT_REQUESTED = "order_payment_requested", "Payment link"
    TEAM_INVITATION = "team_invitation", "Team invitation"
    GIFT_RECEIVED = "gift_received", "Gift sent to its recipient"
    GIFT_DELIVERED = "gift_delivered", "Gift delivered (to the buyer)"
    WEBHOOK_DISABLED = "webhook_disabled", "Webhook endpoint disabled"
    PORTAL_SIGN_IN = "portal_sign_in", "Sign-in link (Find my bookings)"
    WAITLIST_OFFER = "waitlist_offer", "Waitlist: a seat to claim"
    MEMBERSHIP_PAST_DUE = "membership_past_due", "Membership renewal failed"
    INSTALMENT_FAILED = "instalment_failed", "Payment plan: an instalment failed"
    INSTALMENT_PAID = "instalment_paid", "Payment plan: an instalment paid (receipt)"


class Audience(models.TextChoices):
    CLIENT = "client", "Client"
    OWNER = "owner", "Owner"
    INVITEE = "invitee", "Team invitee"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    DELIVERED = "delivered", "Delivered"
    UNDELIVERED = "undelivered", "Undelivered"


# A provider status callback only moves a message forward: a late "sent" never overwrites "delivered".
MESSAGE_STATUS_RANK = {
    MessageStatus.PENDING: 0,
    MessageStatus.SENT: 1,
    MessageStatus.FAILED: 2,
    MessageStatus.UNDELIVERED: 2,
    MessageStatus.DELIVERED: 3,
}


class Message(models.Model):
    """One outbound email or SMS, written before it is sent: the owner's log of what went out.

    Transactional messages are written in the booking's or order's transaction (so a rolled-back
    write leaves no row and sends nothing) and delivered by a task queued on commit.
    """

    booking = models.ForeignKey(
        "scheduling.Booking", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    order = models.ForeignKey(
        "orders.PackageOrder", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    reminder = models.ForeignKey(
        Reminder, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    # A team invitation's email; kept (as the log of what was sent) when the team is deleted.
    invitation = models.ForeignKey(
        "teams.Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    kind = models.CharField(max_length=24, choices=MessageKind.choices)
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.CLIENT)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=300, blank=True)
    # What the message needs beyond the booking/order rows (e.g. the previous start of a reschedule).
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    provider_id = models.CharField(max_length=64, blank=True, help_text="Twilio message SID for SMS.")
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # A sender claims the row before sending so two deliveries of the same task cannot both send.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["provider_id"]),
            # The sweeper looks for transactional messages left pending.
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.status})"


class SmsOptOut(models.Model):
    """A phone number (E.164) that replied STOP or that Twilio refuses to text (error 21610)."""

    phone = models.CharField(max_length=20, unique=True)
    source = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.phone


class EarlySmsStatus(models.Model):
    """A Twilio status callback that arrived before its message's SID was saved on our row.

    Twilio can call back (queued, even delivered) while our send is still waiting for its HTTP
    answer, so no Message has that SID yet. The status is kept here and applied the moment the SID
    is saved (notifications.sms_services.sms_early_statuses_apply); kept rows of SIDs that never
    turn up (not ours) are pruned after EARLY_SMS_STATUS_KEPT.
    """

    provider_id = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=16, choices=MessageStatus.choices)
    error_code = models.CharField(max_length=16, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.status}"
