"""What scheduling announces, so the apps above it (orders, notifications, packages) can take part
without scheduling importing them (pretix-style: the lower app sends, the upper app listens).

Booking signals are sent inside the booking's transaction, after the write and under the owner's
lock: a receiver's rows (the credit ledger, reminders, messages) commit or roll back with the
booking, and a receiver that raises a BookingError refuses the change (nothing is written).
Receivers run in app order: orders (its credit ledger) before notifications.
"""
from django.dispatch import Signal

# booking=<Booking>, locked, by=<BookedBy>, now=<datetime>, new_start=<datetime> (where it would
# go); a receiver raises BookingError to refuse moving it (reschedule).
booking_change_requested = Signal()
# booking=<Booking>, by=<BookedBy>, now=<datetime>: a new confirmed booking; receipt=<dict> (amount and
# currency, paid_with, paid_at: plain strings) when it is a paid session confirmed by its payment.
booking_created = Signal()
# booking=<Booking>, now=<datetime>: a paid session held while the client pays (scheduling.holds),
# inside its transaction; a receiver raises BookingError to refuse it (payments: no way to pay).
booking_held = Signal()
# booking=<Booking>, now=<datetime>, reason=<str>: a hold ended unpaid (abandoned, failed, expired);
# the time is free again. Nobody was told of the hold, so nobody is told of its end.
booking_hold_released = Signal()
# Asked where the client of a held booking pays (payments: the session's checkout page).
# sender=Booking, booking=<Booking>.
held_booking_payment_url = Signal()
# owner=<User>: asked for the Payment Mediums the owner can sell through (payments answers with a
# list; packages and the meeting type form ask).
payment_mediums_for_owner = Signal()
# owner=<User>: asked for the tax the owner charges (invoices answers from Settings › Invoices with a
# scheduling.tax.TaxTerms; scheduling.tax.owner_tax_terms asks). Orders snapshot it, checkout adds it.
tax_terms_for_owner = Signal()
# booking=<Booking>, previous_start=<datetime>.
booking_rescheduled = Signal()
# sender=MeetingType, meeting_type_ids=<list[int]>, fields=<frozenset[str]> (the names of the settings
# that changed): meeting types whose settings an edit changed, inside the edit's transaction. Sent by
# setup_services.meeting_type_update (a coach's own type) and by teams after writing its hosts'
# copies with update() (a team type edited, enabled or disabled), so a listener hears of both;
# an edit that changes nothing sends nothing. Calendars writes again the events of the sessions
# still ahead that no longer say where and what they are.
meeting_types_changed = Signal()
# booking=<Booking>, by=<BookedBy>, now=<datetime>, notify=<bool> (False: the caller tells the
# client in one message of its own).
booking_cancelled = Signal()
# sender=Booking, booking=<Booking>, previous=<Attendance>, by_user=<User | None>, now=<datetime>
attendance_marked = Signal()
# Asked (not told) before a client cancels: a receiver may answer with a sentence that warns what
# cancelling now costs (orders: a late cancel uses the package session). sender=Booking,
# booking=<Booking>, now=<datetime>.
cancel_warning = Signal()
# Asked before a client cancels: a receiver may answer with a sentence saying what cancelling now
# does with money paid (payments: a paid session's refund, in full or none). sender=Booking,
# booking=<Booking>, now=<datetime>.
cancel_terms = Signal()
# Asked before a client moves a booking: a receiver may answer with a sentence saying why it can no
# longer be moved online (orders: inside a package's cancellation window, where a cancel uses the
# session, a move would dodge that). sender=Booking, booking=<Booking>, now=<datetime>.
reschedule_refusal = Signal()

# Asked what the client answered when they booked: a receiver may answer with a list of
# (question, answer as text) pairs (orders: the invitee questions of the booking's order; the coach's
# calendar event lists them). sender=Booking, booking=<Booking>.
booking_answers = Signal()

# Asked when the page of a cancelled booking offers to book again: a receiver may answer with
# (url, label) for a meeting booked through a page of its own (teams: the team's booking page, not
# the host's personal one). sender=Booking, booking=<Booking>.
book_again_link = Signal()

# Page sections other apps add (leadmonk.sections): each receiver returns an HTML string.
# request=<HttpRequest>, owner=<User>: the personal booking page /<owner-slug>/.
owner_page_sections = Signal()
# request=<HttpRequest>, owner=<User>, meeting_type=<MeetingType>: the page of a Package only
# meeting type (packages: the packages on sale that include it).
package_only_sections = Signal()
# owner=<User>, meeting_type=<MeetingType>: the public booking page of one meeting type, below its
# picker (waitlists: a group type's link to the waitlists of its full sessions). The page is cached
# per meeting type: a receiver's HTML must depend on nothing else (no request is passed).
booking_page_sections = Signal()
# request=<HttpRequest>, booking=<Booking>: the owner's page of one booking.
owner_booking_page_sections = Signal()


def cancel_warning_for(booking, now) -> str:
    """The first warning a receiver gives about cancelling `booking` now, or ""."""
    for _receiver, answer in cancel_warning.send(sender=type(booking), booking=booking, now=now):
        if answer:
            return answer
    return ""


def cancel_terms_for(booking, now) -> str:
    """The first answer a receiver gives about money when cancelling `booking` now, or ""."""
    for _receiver, answer in cancel_terms.send(sender=type(booking), booking=booking, now=now):
        if answer:
            return answer
    return ""


def reschedule_refusal_for(booking, now) -> str:
    """The first reason a receiver gives why the client cannot move `booking` now, or ""."""
    for _receiver, answer in reschedule_refusal.send(sender=type(booking), booking=booking, now=now):
        if answer:
            return answer
    return ""


def book_again_link_for(booking) -> tuple[str, str] | None:
    """The first (url, label) a receiver gives for booking `booking`'s meeting again, or None."""
    for _receiver, answer in book_again_link.send(sender=type(booking), booking=booking):
        if answer:
            return answer
    return None


def held_booking_payment_url_for(booking) -> str:
    """Where the client pays for held `booking` (the first receiver's answer), or ""."""
    for _receiver, answer in held_booking_payment_url.send(sender=type(booking), booking=booking):
        if answer:
            return answer
    return ""


def booking_answers_for(booking) -> list[tuple[str, str]]:
    """Every (question, answer) the receivers give for `booking`, in their order; [] when none."""
    pairs: list[tuple[str, str]] = []
    for _receiver, answer in booking_answers.send(sender=type(booking), booking=booking):
        pairs.extend(answer or [])
    return pairs


# owner=<User>: asked for the steps of the first-hour checklist on the dashboard's home that the
# apps above own (payments: connect payments; packages: a first package). Each receiver answers
# with a list of scheduling.setup.SetupStep, read from the real state in one query at most.
setup_steps = Signal()
