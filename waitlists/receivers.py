"""How waitlists takes part in what scheduling announces: a seat of a group session freed (a cancel,
a move away, a hold that ended unpaid) is offered to the first in line, in the same transaction; and
the pages it adds to: a group type's booking page links to its waitlists, the owner's page of a
group session shows who waits. Connected by WaitlistsConfig.ready."""
from django.dispatch import receiver
from django.urls import reverse
from django.utils.html import format_html

from leadmonk.client_email import ERASED_NAME, client_erased
from leadmonk.languages import translatable as _
from leadmonk.sections import render_to_section
from notifications.models import Channel, Message, MessageKind
from notifications.services import messages_erase_client
from orders.signals import order_item_page_sections
from scheduling.rules import BookingPath, booking_path_refusal
from scheduling.signals import (
    booking_cancelled,
    booking_hold_released,
    booking_page_sections,
    booking_rescheduled,
    owner_booking_page_sections,
)
from waitlists.models import OPEN_STATUSES, WaitlistEntry
from waitlists.selectors import line_of_booking
from waitlists.services import offer_freed_seats, waitlist_remove

# The link on client pages, in the page's language (rendered with the page, which is cached per
# language: leadmonk.content_version).
FULL_QUESTION = _("Is the session you want full?")
JOIN_LINK = _("Join its waitlist")


@receiver(booking_cancelled, dispatch_uid="waitlists.offer_on_cancel")
def offer_a_cancelled_seat(sender, *, booking, now=None, **kwargs) -> None:
    if booking.meeting_type.is_group:
        offer_freed_seats(meeting_type_id=booking.meeting_type_id, start=booking.start, now=now)


@receiver(booking_hold_released, dispatch_uid="waitlists.offer_on_hold_released")
def offer_a_released_seat(sender, *, booking, now=None, **kwargs) -> None:
    if booking.meeting_type.is_group:
        offer_freed_seats(meeting_type_id=booking.meeting_type_id, start=booking.start, now=now)


@receiver(booking_rescheduled, dispatch_uid="waitlists.offer_on_move")
def offer_a_seat_moved_away(sender, *, booking, previous_start, **kwargs) -> None:
    if booking.meeting_type.is_group:
        offer_freed_seats(meeting_type_id=booking.meeting_type_id, start=previous_start)


@receiver(booking_page_sections, dispatch_uid="waitlists.booking_page_link")
def link_to_the_waitlist(sender, *, owner, meeting_type, **kwargs) -> str:
    """A group type's booking page links to the waitlists of its full sessions (the same for every
    visitor: the page is cached). Not on a Secret type's page: its waitlist page, at the type's
    slug, is the public page's and answers 404 for it."""
    if not meeting_type.is_group or booking_path_refusal(meeting_type, path=BookingPath.PUBLIC_PAGE):
        return ""
    url = reverse("public:waitlist", args=[owner.slug, meeting_type.slug])
    return format_html('<p class="muted small waitlist-link">{} <a href="{}">{}</a>.</p>',
                       FULL_QUESTION, url, JOIN_LINK)


@receiver(owner_booking_page_sections, dispatch_uid="waitlists.booking_page_line")
def the_sessions_waitlist(*, request, booking, **kwargs) -> str:
    """The owner's page of a group session: who waits for a seat, with "Remove"."""
    if not booking.meeting_type.is_group:
        return ""
    entries = line_of_booking(booking)
    if not entries:
        return ""
    return render_to_section(request, "waitlists/_booking_section.html",
                             {"entries": entries, "next_url": request.path,
                              "zone": request.user.timezone or "UTC"})


@receiver(order_item_page_sections, dispatch_uid="waitlists.order_item_page_link")
def link_an_order_item_to_the_waitlist(sender, *, request, item, **kwargs) -> str:
    """A package client booking a group session from their order: the waitlists of its full
    sessions, joined as this order item (claiming spends one of its credits). No query."""
    meeting_type = item.meeting_type
    if not meeting_type.is_group:
        return ""
    url = reverse("public:waitlist", args=[item.order.owner.slug, meeting_type.slug])
    return format_html('<p class="muted small waitlist-link">{} <a href="{}?order={}&amp;item={}">{}</a>.</p>',
                       FULL_QUESTION, url, item.order.token, item.pk, JOIN_LINK)


@receiver(client_erased, dispatch_uid="waitlists.client_erased")
def erase_waitlist_entries(*, owner, email: str, pseudonym: str, scrub, **_) -> None:
    """An erased client leaves the owner's waitlists (an offer could no longer reach them), their
    entries keep the pseudonym, and the seat offers sent to their address or number are rewritten."""
    entries = WaitlistEntry.objects.filter(meeting_type__owner=owner, client_email=email)
    phones = {phone for phone in entries.values_list("client_phone", flat=True) if phone}
    for entry in entries.filter(status__in=OPEN_STATUSES).select_related("meeting_type"):
        waitlist_remove(entry=entry)  # a seat they were offered goes to the next in line
    entries.update(client_name=ERASED_NAME, client_email=pseudonym, client_phone="")
    offers = Message.objects.filter(kind=MessageKind.WAITLIST_OFFER, channel=Channel.EMAIL, recipient__iexact=email)
    if phones:
        offers = offers | Message.objects.filter(kind=MessageKind.WAITLIST_OFFER, channel=Channel.SMS,
                                                 recipient__in=phones)
    messages_erase_client(messages=offers, email=email, pseudonym=pseudonym, scrub=scrub)
