"""Meeting types, weekly availability with date overrides, and bookings."""
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper

from leadmonk import money
from leadmonk.languages import translatable as _
from leadmonk.money import CURRENCY_CHOICES, price_label

# Re-exported: the migrations of scheduling, orders and payments name `scheduling.models.new_token`.
from leadmonk.tokens import new_token  # noqa: F401


def default_email_offsets() -> list[int]:
    return [24 * 60]


def default_sms_offsets() -> list[int]:
    return [60]


# The longest meeting a meeting type may last, in minutes: the busy-time query of the slot engine
# relies on it (scheduling.availability.LONGEST_MEETING), and the meeting type forms cap it.
MAX_MEETING_MINUTES = 720


class MeetingTypeKind(models.TextChoices):
    ONE_ON_ONE = "one_on_one", "1:1"
    GROUP = "group", "Group"


class LocationKind(models.TextChoices):
    VIDEO = "video", _("Video call")
    PHONE = "phone", _("Phone call")
    IN_PERSON = "in_person", _("In person")
    # A Jitsi Meet room made for each booking (Booking.video_room_url): no account, no key.
    VIDEO_ROOM = "video_room", _("A new video room for each booking")


class PhoneCaller(models.TextChoices):
    """Who dials, for a phone call. Blank: as the location details say (meeting types made before
    the choice existed keep exactly what they showed)."""

    AS_DETAILS = "", "As the details say"
    HOST = "host", "I call the client (their number is required)"
    CLIENT = "client", "The client calls me (my number in the details)"


class Visibility(models.TextChoices):
    """Who can book a meeting type (DESIGN.md rule 11; the rule itself is scheduling.rules)."""

    PUBLIC = "public", "Public"
    SECRET = "secret", "Secret"
    PACKAGE_ONLY = "package_only", "Package only"


class PaymentMedium(models.TextChoices):
    """How a client pays for what an owner sells (a package, or a paid meeting type)."""

    STRIPE = "stripe", "Stripe"
    PAYPAL = "paypal", "PayPal"


def medium_currency_problem(medium: str, currency: str, price=None) -> tuple[str, str] | None:
    """Why `medium` cannot take a payment of `price` in `currency`, as (the form field it belongs
    beside, the message), or None: a currency PayPal does not take, decimals where a provider takes
    whole units, Stripe's three-decimal step and its most in one payment (leadmonk.money, which the
    checkout checks again). Said when the owner saves, not when a client finds that checkout fails."""
    return money.charge_problem(medium, price, currency)


class MeetingTypeState(models.TextChoices):
    ACTIVE = "active", "Active"
    DISABLED = "disabled", "Disabled"
    DELETED = "deleted", "Deleted"


def bookable_q(prefix: str = "") -> Q:
    """The one rule of "this meeting type can be booked and sold now", as a filter; `prefix`
    reaches it through a relation ("meeting_type__"). MeetingType.is_bookable is its row form."""
    return Q(**{f"{prefix}state": MeetingTypeState.ACTIVE})


class MeetingTypeQuerySet(models.QuerySet):
    def for_owner(self, owner) -> "MeetingTypeQuerySet":
        """The owner's own meeting types: not their copies of team meeting types (those are booked
        and edited only through the team, and never listed on the personal page or in packages)."""
        return self.filter(owner=owner, team_hosted=False)

    def team_hosted(self) -> "MeetingTypeQuerySet":
        return self.filter(team_hosted=True)

    def visible(self) -> "MeetingTypeQuerySet":
        """Everything but soft-deleted rows (deleted ones stay for history)."""
        return self.exclude(state=MeetingTypeState.DELETED)

    def active(self) -> "MeetingTypeQuerySet":
        """The bookable ones: the query form of MeetingType.is_bookable (keep the two together)."""
        return self.filter(bookable_q())

    def listed(self) -> "MeetingTypeQuerySet":
        """The Public ones: what a booking page lists (Secret and Package only types are not)."""
        return self.filter(visibility=Visibility.PUBLIC)


class MeetingTypeSettings(models.Model):
    """What every meeting type has, personal or team: its name and link, length, place, scheduling
    rules, reminders and state. A team meeting type (teams.models) inherits it too, and each host's
    copy of one takes exactly these fields (MEETING_TYPE_SETTINGS), so a setting added here reaches
    both kinds, their forms' cleaned data and the copies."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    # At most MAX_MEETING_MINUTES: the busy-time query relies on it (scheduling.availability.LONGEST_MEETING).
    duration_minutes = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(MAX_MEETING_MINUTES)]
    )
    location_kind = models.CharField(max_length=16, choices=LocationKind.choices, default=LocationKind.VIDEO)
    location_details = models.CharField(max_length=500, blank=True)
    phone_caller = models.CharField(max_length=8, choices=PhoneCaller.choices, blank=True, default="")
    description = models.TextField(blank=True)
    buffer_before_minutes = models.PositiveIntegerField(default=0)
    buffer_after_minutes = models.PositiveIntegerField(default=0)
    min_notice_minutes = models.PositiveIntegerField(default=4 * 60)
    horizon_days = models.PositiveIntegerField(default=60)
    slot_step_minutes = models.PositiveIntegerField(default=30)
    requires_mobile = models.BooleanField(default=False)
    email_reminders_enabled = models.BooleanField(default=True)
    email_reminder_offsets = models.JSONField(default=default_email_offsets, help_text="Minutes before the session.")
    sms_reminders_enabled = models.BooleanField(default=True)
    sms_reminder_offsets = models.JSONField(default=default_sms_offsets, help_text="Minutes before the session.")
    state = models.CharField(max_length=16, choices=MeetingTypeState.choices, default=MeetingTypeState.ACTIVE)
    # Who can book it and through which address (scheduling.rules): existing types stay Public.
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    # The key of a Secret type's own link (/<owner-slug>/s/<token>/, /team/<team-slug>/s/<token>/),
    # never its slug; regenerating it makes the old link stop working. Each row has its own: a
    # host's copy does not take its team type's (it is not among MEETING_TYPE_SETTINGS).
    secret_token = models.CharField(max_length=64, default=new_token, editable=False, db_index=True)

    class Meta:
        abstract = True

    @property
    def is_bookable(self) -> bool:
        """Can be booked (and sold in a package) now; bookable_q() is the same rule as a filter."""
        return self.state == MeetingTypeState.ACTIVE

    @property
    def is_package_only(self) -> bool:
        return self.visibility == Visibility.PACKAGE_ONLY

    @property
    def is_team(self) -> bool:
        """A team's meeting type or a host's copy of one: booked only through the team's page."""
        raise NotImplementedError

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def client_phone_required(self) -> bool:
        """The booking form must ask for the client's number: the owner asked for it, or the host
        calls the client."""
        return self.requires_mobile or (
            self.location_kind == LocationKind.PHONE and self.phone_caller == PhoneCaller.HOST)

    @property
    def sends_sms(self) -> bool:
        """Whether texts go to its clients (SMS reminders, a waitlist's offer): a feature of Pro and
        above (accounts.plans.plan_includes_sms), read from its owner (loaded with it where bookings
        are made). A team's host copy sends them: a team takes bookings only on the Team plan and
        above (teams.selectors), whatever the host's own plan."""
        return self.team_hosted or self.owner.has_sms

    @property
    def texts_reminders(self) -> bool:
        """Its clients get SMS reminders when they give a number (the booking form says so)."""
        return self.sms_reminders_enabled and self.sends_sms

    @property
    def min_notice_delta(self) -> timedelta:
        return timedelta(minutes=self.min_notice_minutes)


# The names of the shared fields, in declaration order: what a host's copy takes from its team type
# (all but each row's own secret link).
MEETING_TYPE_SETTINGS: tuple[str, ...] = tuple(
    field.name for field in MeetingTypeSettings._meta.fields if field.name != "secret_token"
)
# What the meeting type forms edit: all of them but the state, which changes only by its transitions.
EDITABLE_SETTINGS: tuple[str, ...] = tuple(name for name in MEETING_TYPE_SETTINGS if name != "state")


class MeetingType(MeetingTypeSettings):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_types")
    kind = models.CharField(max_length=16, choices=MeetingTypeKind.choices, default=MeetingTypeKind.ONE_ON_ONE)
    capacity = models.PositiveIntegerField(default=1, help_text="Seats per session (group meeting types).")
    # How long the first on a full session's waitlist has to claim a freed seat (waitlists) before
    # it is offered to the next.
    waitlist_claim_hours = models.PositiveIntegerField("Waitlist: hours to claim a freed seat", default=12)
    # A member's copy of a team meeting type (kept in step by the teams app): it carries the member's
    # bookings of that team type, so busy times, buffers, reminders and the member's dashboard treat
    # them like any other booking, but it is reachable only through the team page.
    team_hosted = models.BooleanField(default=False, editable=False)
    # A paid single session (personal meeting types only; Pro plan and above): the client pays
    # before the booking is confirmed, the time held meanwhile (scheduling.holds). 0 = free.
    price = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0"))
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    payment_medium = models.CharField("Payment Medium", max_length=16, choices=PaymentMedium.choices, blank=True)
    # The cancellation policy of a paid session: a client who cancels less than this many hours
    # before the start gets a full refund only when `late_cancel_refund`; earlier, always in full.
    cancel_window_hours = models.PositiveIntegerField("Cancellation window (hours)", default=0)
    late_cancel_refund = models.BooleanField("A late cancel is refunded in full", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingTypeQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # Slugs of live personal meeting types are unique per owner; deleted ones free their slug,
            # and team copies live under the team's address, not the owner's.
            models.UniqueConstraint(
                fields=["owner", "slug"], condition=~Q(state="deleted") & Q(team_hosted=False),
                name="meetingtype_unique_live_slug",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_group(self) -> bool:
        return self.kind == MeetingTypeKind.GROUP

    @property
    def is_team(self) -> bool:
        return self.team_hosted

    @property
    def seats(self) -> int:
        return self.capacity if self.is_group else 1

    @property
    def is_paid(self) -> bool:
        """Clients pay before a booking of it is confirmed (scheduling.holds)."""
        return self.price > 0 and not self.team_hosted

    @property
    def paid_plan_lapsed(self) -> bool:
        """A paid session whose owner's plan no longer sells paid sessions (a downgrade): neither
        booked nor given away free (scheduling.holds refuses it), so its pages offer no times."""
        return self.is_paid and not self.owner.has_paid_sessions

    @property
    def price_label(self) -> str:
        """"90.00 USD" (the booking pages show it on a paid meeting type)."""
        return price_label(self.price, self.currency)


# What makes a personal meeting type a paid single session (its form's Payment section).
PAID_SESSION_FIELDS: tuple[str, ...] = ("price", "currency", "payment_medium", "cancel_window_hours",
                                        "late_cancel_refund")


class WeeklyInterval(models.Model):
    """Open hours on a weekday (0 = Monday), in the owner's time zone."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_intervals")
    weekday = models.PositiveSmallIntegerField()
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["weekday", "start_time"]


class DateOverride(models.Model):
    """Hours for one date that replace the weekly hours. A row with no times closes the day."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="date_overrides")
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        indexes = [models.Index(fields=["owner", "date"])]


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    # A paid session while the client pays: busy for everyone else until `hold_expires_at`, then
    # released (scheduling.holds). Not cancelled, so it blocks like a confirmed booking.
    HELD = "held", _("Awaiting payment")


class BookedBy(models.TextChoices):
    CLIENT = "client", "Client"
    OWNER = "owner", "Owner"


class Attendance(models.TextChoices):
    UNMARKED = "", "Not marked"
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("No-show")


# The PostgreSQL exclusion constraint that keeps a host's exclusive bookings apart (added by the
# migration booking_holds_host_no_overlap, on PostgreSQL only; scheduling.services maps it).
HOST_NO_OVERLAP = "booking_host_no_overlap"


class Booking(models.Model):
    # Denormalised owner: the per-owner lock and every dashboard query go through it.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookings")
    meeting_type = models.ForeignKey(MeetingType, on_delete=models.PROTECT, related_name="bookings")
    order_item = models.ForeignKey(
        "orders.OrderItem", null=True, blank=True, on_delete=models.PROTECT, related_name="bookings"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED)
    client_name = models.CharField(max_length=200)
    client_email = models.EmailField()
    client_phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    client_timezone = models.CharField(max_length=64, default="UTC")
    # The language the client booked in: their emails and texts speak it (leadmonk.languages).
    client_language = models.CharField(max_length=8, blank=True, default="")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    booked_by = models.CharField(max_length=16, choices=BookedBy.choices, default=BookedBy.CLIENT)
    # Raised on each reschedule and on the cancel: the .ics SEQUENCE, so a CANCEL always carries a
    # SEQUENCE above the last REQUEST's (RFC 5546 3.2.5; some calendar apps ignore it otherwise).
    sequence = models.PositiveIntegerField(default=0)
    # The Jitsi Meet room of a meeting type whose location is a new video room per booking, made
    # when the booking is (scheduling.calendar.session_video_room: a group session's clients share
    # one); kept when the booking moves (a group's client takes the room of their new session).
    video_room_url = models.URLField(max_length=300, blank=True, editable=False)
    cancel_reason = models.TextField(blank=True)
    cancelled_by = models.CharField(max_length=16, choices=BookedBy.choices, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # A meeting with several hosts (a collective team meeting) is one booking per host, so each
    # host's busy times, dashboard and reminders see it. The client holds the lead booking's token;
    # the other hosts' rows point at it and move or cancel with it (scheduling.services).
    lead = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="co_hosts")
    # Whether this booking holds its host (owner) exclusively: set from the meeting type's kind when
    # it is made (1:1 yes, a group seat no) and kept, since the kind can be edited later. On
    # PostgreSQL the HOST_NO_OVERLAP constraint refuses two overlapping bookings of one host that
    # both hold it and are not cancelled. True unless told: a path that forgets stays covered.
    holds_host = models.BooleanField(default=True, editable=False)
    # Set by the owner after the session (orders.credits.booking_mark_attendance).
    attendance = models.CharField(max_length=16, choices=Attendance.choices, blank=True, default="")
    # True while this booking holds one credit of its order item. Changed only by orders.credits,
    # in the same transaction as the ledger entry that records the change: the ledger invariant
    # (an item's entries sum to its grants minus the credits its bookings hold) is checked against it.
    credit_held = models.BooleanField(default=False)
    # Set only while HELD: the time is the client's until then (scheduling.holds).
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start"]
        indexes = [
            # The slot engine loads an owner's confirmed bookings in a time window.
            models.Index(fields=["owner", "status", "start"]),
            models.Index(fields=["meeting_type", "start"]),
            # The client portal (/my/) finds a client's bookings with every owner by
            # `client_email__iexact` (UPPER(client_email) = UPPER(%s)).
            models.Index(Upper("client_email"), name="booking_client_email_upper"),
            # Every booking asks whether its owner has a hold past its time (scheduling.hold_release),
            # and holds are few: a small index of the held bookings alone answers it at any size.
            models.Index(fields=["owner", "hold_expires_at"], condition=models.Q(status=BookingStatus.HELD),
                         name="booking_held_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_type_id} at {self.start:%Y-%m-%d %H:%M} UTC"

    @property
    def is_confirmed(self) -> bool:
        return self.status == BookingStatus.CONFIRMED

    @property
    def shown_status(self) -> str:
        """The status as every page writes it: a confirmed session marked afterwards reads as what
        happened ("No-show", "Attended"), not "Confirmed"."""
        if self.status == BookingStatus.CONFIRMED and self.attendance:
            return self.get_attendance_display()
        return self.get_status_display()

    @property
    def shown_status_key(self) -> str:
        """The badge of `shown_status` (badge-no_show, badge-attended, badge-confirmed...)."""
        if self.status == BookingStatus.CONFIRMED and self.attendance:
            return self.attendance
        return self.status

    @property
    def duration(self) -> timedelta:
        """Its own length: what was booked (a session of an order: the length sold), which a later
        edit of the meeting type does not change, and which it keeps when moved."""
        return self.end - self.start

    @property
    def duration_minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    @property
    def session_name(self) -> str:
        """What the session is called to the client: a package session keeps the name its order was
        sold with (the order's snapshot, as the order page shows it), even if the meeting type was
        renamed since; a direct booking uses the meeting type's name."""
        if self.order_item_id:
            return self.order_item.meeting_type_name
        return self.meeting_type.name



class ExternalBusy(models.Model):
    """A time the owner is busy in a calendar of theirs elsewhere (an ICS feed, a CalDAV calendar),
    which the slot engine treats like a booking. Written only by the `calendars` app, which owns
    where it came from (`source_id` is its calendar's id); scheduling reads it without knowing that
    app. No row is longer than LONGEST_EXTERNAL_PIECE (a longer event is stored as pieces), so the
    engine's busy query bounds its index range from below as it does for bookings."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_busy")
    source_id = models.PositiveIntegerField(db_index=True)
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        indexes = [
            # The slot engine reads an owner's external busy times in a window (scheduling.availability).
            models.Index(fields=["owner", "start"]),
        ]

    def __str__(self) -> str:
        return f"busy {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M} UTC"
