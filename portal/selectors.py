"""Reads of the client portal (/my/): everything of one client email, with every owner, grouped by
owner. A fixed number of queries whatever the number of owners, orders and sessions (7 at most:
the unsent gifts they bought, orders, their items, their bookings, the direct bookings, the
invoices and, when there are any, the credit notes); the email is the only key, so nothing of
another address can come in."""
from dataclasses import dataclass, field
from datetime import datetime

from invoices.documents import document_url
from invoices.selectors import documents_of
from leadmonk.client_email import normalize_email
from leadmonk.money import format_money
from orders.gifts import gift_of, undelivered_gift
from orders.models import PackageOrder
from orders.selectors import order_bookings, orders_of_client, with_item_progress
from scheduling.models import Booking, BookingStatus
from scheduling.selectors import booking_change_refusal, direct_bookings_of_client


def client_has_history(*, email: str) -> bool:
    """Whether this (normalised) email ever ordered a package or booked a session, with anyone."""
    return (PackageOrder.objects.filter(client_email__iexact=email).exists()
            or Booking.objects.filter(client_email__iexact=email).exists())


@dataclass
class OwnerGroup:
    """What the client has with one owner: their orders (newest first), sessions, and the invoices
    and credit notes of what they paid for (newest first)."""

    owner: object
    orders: list = field(default_factory=list)
    upcoming: list = field(default_factory=list)
    past: list = field(default_factory=list)
    documents: list = field(default_factory=list)


def _session_view(booking: Booking, *, order: PackageOrder | None, now: datetime) -> Booking:
    """The booking with what its row shows: its name as sold, its order, and whether the client may
    still move or cancel it online (scheduling's rule; the booking page applies every other policy)."""
    booking.session_title = booking.order_item.meeting_type_name if order is not None else booking.meeting_type.name
    booking.portal_order = order
    booking.can_change = booking.is_confirmed and not booking_change_refusal(booking=booking, now=now)
    return booking


def client_overview(*, email: str, now: datetime) -> list[OwnerGroup]:
    """The client's orders and sessions grouped by owner, the owner with the soonest upcoming
    session first (then the most recent order). Each order carries `portal_items` (with remaining
    credits, orders.selectors.with_item_progress) and `gift_pending` (a gift not yet sent: the
    buyer's, shown without its sessions)."""
    email = normalize_email(email)
    groups: dict[int, OwnerGroup] = {}

    def group_of(owner) -> OwnerGroup:
        return groups.setdefault(owner.pk, OwnerGroup(owner=owner))

    for order in orders_of_client(email=email):
        gift = undelivered_gift(order)
        if gift is not None and normalize_email(gift.buyer_email) != email:
            # Paid, the order carries the recipient's address, but until it is sent the gift is the
            # buyer's (its page, its message, where it goes): nothing of it shows to the recipient.
            continue
        group = group_of(order.owner)
        order.gift_pending = gift is not None
        order.portal_items = with_item_progress(order)
        group.orders.append(order)
        if order.gift_pending:
            continue
        for booking in order_bookings(order):
            _file_session(group, _session_view(booking, order=order, now=now), now)
    direct = list(direct_bookings_of_client(email=email))
    for booking in direct:
        _file_session(group_of(booking.owner), _session_view(booking, order=None, now=now), now)
    # A gift's documents are its buyer's, and reached through the order's token, which is the
    # recipient's key once it is sent: the buyer has them from their receipt, and neither sees them here.
    paid_for = [order for group in groups.values() for order in group.orders if gift_of(order) is None]
    for document in documents_of(orders=paid_for, bookings=direct):
        # Beside the order or session it is for (whose group exists), whoever issued it.
        bought = document.order if document.order_id is not None else document.booking
        groups[bought.owner_id].documents.append(_document_view(document))

    for group in groups.values():
        group.upcoming.sort(key=lambda booking: (booking.start, booking.pk))
        group.past.sort(key=lambda booking: (booking.start, booking.pk), reverse=True)
    far_future = datetime.max.replace(tzinfo=now.tzinfo)

    def order_key(group: OwnerGroup):
        soonest = group.upcoming[0].start if group.upcoming else far_future
        latest_order = max((order.created_at.timestamp() for order in group.orders), default=0)
        return (soonest, -latest_order, group.owner.pk)

    return sorted(groups.values(), key=order_key)


def _document_view(document) -> dict:
    """An invoice or credit note as its line shows it: what it was for, its pages, its amount (a
    credit note's is given back)."""
    is_invoice = document.kind_label == "Invoice"
    return {
        "document": document,
        "for": document.order.title if document.order_id is not None else document.booking.meeting_type.name,
        "url": document_url(document),
        "pdf_url": document_url(document, pdf=True),
        "total": ("" if is_invoice else "−") + format_money(document.total, document.currency),
    }


def _file_session(group: OwnerGroup, booking: Booking, now: datetime) -> None:
    if booking.status == BookingStatus.CONFIRMED and booking.end > now:
        group.upcoming.append(booking)
    else:
        group.past.append(booking)
