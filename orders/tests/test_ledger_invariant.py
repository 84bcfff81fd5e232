"""DESIGN.md's ledger invariant, as a stateful property test: whatever sequence of bookings,
reschedules, cancels (in time and late), no-shows, returns, adjustments, expiry (through the beat
task's own function), extensions and a refund happens to an order, after every step

- the item's remaining credits (the ledger sum, and what the order pages show) equal its quantity
  plus the adjustments, minus expiry and voids, minus the credits its bookings hold, and
- the entries of each booking sum to -1 while it holds a credit and 0 once it was given back,
- and both agree with a plain model of the rules kept beside the database.
"""
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from orders.credits import (
    CreditError,
    NoCreditToReturn,
    OrderClosed,
    booking_credit_return,
    item_balance,
    ledger_adjust,
    order_extend,
    orders_expire_due,
)
from orders.models import BOOKING_REASONS, CreditLedgerEntry, LedgerReason, OrderItem, OrderStatus, PackageOrder
from orders.selectors import order_for_owner, with_item_progress
from orders.services import order_session_book
from orders.tests.conftest import place_order
from payments.models import PaymentStatus
from payments.services import payment_mark_refunded
from payments.tests.helpers import make_payment
from scheduling.attendance import booking_mark_attendance
from scheduling.models import Attendance, BookedBy, Booking, BookingStatus
from scheduling.services import BookingError, booking_cancel, booking_reschedule
from tests import NINE_AM

# Free times of the coaching session (50 min, open 9:00-17:00 New York every day), all after NOW.
STARTS = [NINE_AM + timedelta(days=day, hours=hour) for day in range(6) for hour in range(8)]
WINDOW_HOURS = 48


class LedgerMachine(RuleBasedStateMachine):
    package = None  # set by the test before the machine runs

    def __init__(self):
        super().__init__()
        # Each example runs in its own savepoint, rolled back at teardown, inside the test's transaction.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.order = None

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize(late_cancel_forfeits=st.booleans(), no_show_forfeits=st.booleans())
    def place(self, late_cancel_forfeits, no_show_forfeits):
        order = place_order(self.package)
        PackageOrder.objects.filter(pk=order.pk).update(
            cancel_window_hours=WINDOW_HOURS, late_cancel_forfeits=late_cancel_forfeits,
            no_show_forfeits=no_show_forfeits,
        )
        self.order = PackageOrder.objects.get(pk=order.pk)
        self.payment = make_payment(self.order, status=PaymentStatus.CONFIRMED, provider_payment_id="pi_1")
        self.item_id = self.order.items.get(meeting_type_name="Coaching session").pk
        self.quantity = 2
        # The model: credits left, credits moved outside bookings, and per booking (pk) whether it
        # is confirmed, holds a credit, and was marked.
        self.remaining = 2
        self.outside = 0
        self.sessions: dict[int, dict] = {}
        self.active = True
        # Expiry: whether the order has an expiry date yet, whether it has passed (the order then
        # books nothing), and the credits the expiry took that an extension gives back.
        self.has_expiry = False
        self.expired = False
        self.expired_away = 0

    # -- helpers --------------------------------------------------------------------------------

    def item(self) -> OrderItem:
        return OrderItem.objects.select_related("order", "meeting_type").get(pk=self.item_id)

    def booking(self, pk: int) -> Booking:
        return Booking.objects.select_related("order_item__order", "meeting_type").get(pk=pk)

    def taken(self) -> set:
        return {Booking.objects.get(pk=pk).start for pk, s in self.sessions.items() if s["confirmed"]}

    def returned(self, now) -> None:
        """A session's credit came back at `now`: to book again, or, once the sessions expired, into
        the expiry. Past the order's expiry moment before the task ran, the give-back expires the
        order's unused credits as the task would (orders.credits._claim_due_expiry), this one too."""
        expires_at = PackageOrder.objects.values_list("expires_at", flat=True).get(pk=self.order.pk)
        if self.active and not self.expired and expires_at is not None and expires_at <= now:
            self.expired_away += self.remaining
            self.outside -= self.remaining
            self.remaining = 0
            self.expired = True
        if self.expired:
            self.expired_away += 1
            self.outside -= 1
        else:
            self.remaining += 1

    def pick(self, data) -> int | None:
        candidates = sorted(pk for pk, s in self.sessions.items() if s["confirmed"] and not s["marked"])
        return data.draw(st.sampled_from(candidates)) if candidates else None

    # -- rules ----------------------------------------------------------------------------------

    @rule(start=st.sampled_from(STARTS))
    def book(self, start):
        should_work = self.active and not self.expired and self.remaining >= 1 and start not in self.taken()
        try:
            booking = order_session_book(item=self.item(), start=start, booked_by=BookedBy.OWNER)
        except BookingError:
            assert not should_work
            return
        assert should_work
        self.remaining -= 1
        self.sessions[booking.pk] = {"confirmed": True, "held": True, "marked": False}

    @precondition(lambda self: any(s["confirmed"] and not s["marked"] for s in self.sessions.values()))
    @rule(data=st.data(), start=st.sampled_from(STARTS))
    def reschedule(self, data, start):
        pk = self.pick(data)
        if start == self.booking(pk).start:
            return
        if start in self.taken() or not self.active:
            with pytest.raises(BookingError):
                booking_reschedule(booking=self.booking(pk), new_start=start, by=BookedBy.OWNER)
            return
        booking_reschedule(booking=self.booking(pk), new_start=start, by=BookedBy.OWNER)

    def _cancel(self, pk: int, *, by: str, late: bool) -> None:
        booking = self.booking(pk)
        # Every start is days after NOW: a day before it is inside the window, three days are not.
        now = booking.start - timedelta(hours=24 if late else WINDOW_HOURS + 24)
        booking_cancel(booking=booking, by=by, now=now)
        forfeit = late and by == BookedBy.CLIENT and self.order.late_cancel_forfeits
        self.sessions[pk]["confirmed"] = False
        if not forfeit and self.sessions[pk]["held"]:
            self.sessions[pk]["held"] = False
            self.returned(now)

    @precondition(lambda self: any(s["confirmed"] and not s["marked"] for s in self.sessions.values()))
    @rule(data=st.data())
    def cancel_in_time(self, data):
        self._cancel(self.pick(data), by=BookedBy.CLIENT, late=False)

    @precondition(lambda self: any(s["confirmed"] and not s["marked"] for s in self.sessions.values()))
    @rule(data=st.data())
    def cancel_late(self, data):
        self._cancel(self.pick(data), by=BookedBy.CLIENT, late=True)

    @precondition(lambda self: any(s["confirmed"] and not s["marked"] for s in self.sessions.values()))
    @rule(data=st.data())
    def owner_cancels_late(self, data):
        self._cancel(self.pick(data), by=BookedBy.OWNER, late=True)

    @precondition(lambda self: any(s["confirmed"] for s in self.sessions.values()))
    @rule(data=st.data(), attendance=st.sampled_from([Attendance.NO_SHOW, Attendance.ATTENDED]))
    def mark(self, data, attendance):
        pk = data.draw(st.sampled_from(sorted(pk for pk, s in self.sessions.items() if s["confirmed"])))
        booking = self.booking(pk)
        before = booking.attendance
        now = booking.end + timedelta(hours=1)
        booking_mark_attendance(booking=booking, attendance=attendance, by_user=None, now=now)
        self.sessions[pk]["marked"] = True
        if attendance == Attendance.NO_SHOW and before != Attendance.NO_SHOW and self.sessions[pk]["held"]:
            if not self.order.no_show_forfeits:
                self.sessions[pk]["held"] = False
                self.returned(now)

    @precondition(lambda self: bool(self.sessions))
    @rule(data=st.data())
    def owner_returns_the_credit(self, data):
        pk = data.draw(st.sampled_from(sorted(self.sessions)))
        if not self.sessions[pk]["held"]:
            with pytest.raises(NoCreditToReturn):
                booking_credit_return(booking=self.booking(pk), by_user=None)
            return
        if not self.active:  # a refunded order gives nothing back: its credits were voided
            with pytest.raises(OrderClosed):
                booking_credit_return(booking=self.booking(pk), by_user=None)
            return
        now = timezone.now()
        booking_credit_return(booking=self.booking(pk), by_user=None, now=now)
        self.sessions[pk]["held"] = False
        self.returned(now)

    @rule(change=st.integers(min_value=-4, max_value=4).filter(bool))
    def adjust(self, change):
        # A refunded order takes no adjustment, an expired one no added session.
        if not self.active or self.remaining + change < 0 or (self.expired and change > 0):
            with pytest.raises(CreditError):
                ledger_adjust(item=self.item(), change=change, note="Property test", by_user=None)
            return
        ledger_adjust(item=self.item(), change=change, note="Property test", by_user=None)
        self.remaining += change
        self.outside += change

    @rule()
    def expire(self):
        """The order's expiry date comes and the beat task runs: once per expiry, active orders only."""
        now = timezone.now()
        PackageOrder.objects.filter(pk=self.order.pk).update(expiry_kind="after_purchase", expiry_days=30,
                                                             expires_at=now)
        expired = orders_expire_due(now=now)
        if self.active and not self.expired:
            assert expired == 1
            self.expired_away += self.remaining
            self.outside -= self.remaining
            self.remaining = 0
        else:
            assert expired == 0  # claimed already (credits moved since stay), or not active
        self.has_expiry = True
        self.expired = self.active

    @rule(days=st.integers(min_value=1, max_value=60))
    def extend(self, days):
        if not self.active or not self.has_expiry:
            with pytest.raises(OrderClosed if not self.active else CreditError):
                order_extend(order=self.order, days=days, by_user=None)
            return
        order_extend(order=self.order, days=days, by_user=None)
        if self.expired:  # what the expiry took comes back
            self.remaining += self.expired_away
            self.outside += self.expired_away
            self.expired_away = 0
        self.expired = False

    @precondition(lambda self: self.active)
    @rule()
    def refund(self):
        payment_mark_refunded(payment_id=self.payment.pk, refund_reference="re_1")
        self.active = False
        for session in self.sessions.values():
            # Every confirmed session is after the (frozen) clock: the refund cancels it.
            if session["confirmed"]:
                session["confirmed"] = False
                if session["held"]:
                    session["held"] = False
                    self.returned(timezone.now())
        self.outside -= self.remaining
        self.remaining = 0
        assert PackageOrder.objects.get(pk=self.order.pk).status == OrderStatus.REFUNDED

    # -- the invariant --------------------------------------------------------------------------

    @invariant()
    def ledger_agrees_with_the_bookings(self):
        if self.order is None:
            return
        balance = item_balance(self.item_id)
        held = Booking.objects.filter(order_item_id=self.item_id, credit_held=True).count()
        entries = CreditLedgerEntry.objects.filter(order_item_id=self.item_id)
        outside = entries.exclude(reason__in=[*BOOKING_REASONS, LedgerReason.PURCHASE]).aggregate(
            total=Sum("change"))["total"] or 0
        # DESIGN.md: the ledger sum is the quantity minus what the bookings use (adjustments,
        # expiry and voids being entries of their own).
        assert balance == self.quantity + outside - held
        assert balance >= 0
        for booking in Booking.objects.filter(order_item_id=self.item_id):
            own = entries.filter(booking=booking).aggregate(total=Sum("change"))["total"] or 0
            assert own == (-1 if booking.credit_held else 0)
            if booking.status == BookingStatus.CONFIRMED and not booking.credit_held:
                # A confirmed session without its credit was given it back: by the owner or a no-show.
                assert entries.filter(booking=booking, change=1).filter(
                    reason__in=[LedgerReason.CREDIT_RETURN, LedgerReason.NO_SHOW]).exists()
        # The model of the rules agrees, and so does the page.
        assert balance == self.remaining
        assert outside == self.outside
        assert held == sum(1 for session in self.sessions.values() if session["held"])
        order = order_for_owner(owner=self.order.owner, pk=self.order.pk)
        shown = next(item for item in with_item_progress(order) if item.pk == self.item_id)
        assert shown.remaining == balance and shown.used == held


@pytest.mark.django_db
def test_the_ledger_sum_always_equals_the_quantity_minus_what_bookings_use(package):
    LedgerMachine.package = package
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(max_examples=25, stateful_step_count=20, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]),
    )
