"""How orders takes part in what scheduling announces (scheduling.signals): the credit ledger
follows every booking of an order item, and a package's policies answer the booking pages; and in
its own order_activated: a paid gift is handed over to its recipient.
Connected by OrdersConfig.ready (importing this module). Each receiver calls one named service of
orders.credits or orders.rules, inside the booking's transaction and under its locks; a receiver
that raises a BookingError refuses the change (nothing is written)."""
from django.dispatch import receiver

from leadmonk.sections import render_to_section
from orders import credits, gifts, rules, services
from orders.signals import order_activated
from orders.templatetags.orders_tags import answer_text
from scheduling.models import BookedBy
from scheduling.signals import (
    attendance_marked,
    booking_answers,
    booking_cancelled,
    booking_change_requested,
    booking_created,
    cancel_warning,
    owner_booking_page_sections,
    reschedule_refusal,
)


@receiver(booking_created, dispatch_uid="orders.credits.debit")
def debit_the_credit(sender, *, booking, now=None, **kwargs) -> None:
    """scheduling.services.booking_create (and the team booking) booked a session: a session of an
    order item takes one of its credits."""
    credits.ledger_debit_booking(booking=booking, now=now)


@receiver(cancel_warning, dispatch_uid="orders.credits.cancel_warning")
def warn_of_a_late_cancel(sender, *, booking, now=None, **kwargs) -> str:
    return credits.late_cancel_warning(booking=booking, now=now)


@receiver(reschedule_refusal, dispatch_uid="orders.credits.reschedule_refusal")
def say_why_it_cannot_move(sender, *, booking, now=None, **kwargs) -> str:
    return credits.late_move_refusal(booking=booking, now=now)


# Both refuse a move (booking_reschedule): the package's cancellation window first, then the order's status.
@receiver(booking_change_requested, dispatch_uid="orders.credits.late_move")
def refuse_a_late_move(sender, *, booking, by=BookedBy.CLIENT, now=None, **kwargs) -> None:
    credits.refuse_late_move(booking=booking, by=by, now=now)


@receiver(booking_change_requested, dispatch_uid="orders.refuse_change_of_inactive_order")
def refuse_a_move_on_a_closed_order(sender, *, booking, **kwargs) -> None:
    rules.refuse_change_of_inactive_order(booking=booking)


@receiver(booking_change_requested, dispatch_uid="orders.refuse_move_over_limit")
def refuse_a_move_into_a_full_week(sender, *, booking, new_start=None, by=BookedBy.CLIENT, **kwargs) -> None:
    """A session of an order moved into a week or month that already has the most sessions its
    order allows is refused (the owner's lock is held by booking_reschedule)."""
    if new_start is not None and booking.order_item_id is not None:
        services.refuse_over_limit(order=booking.order_item.order, start=new_start, exclude_booking_id=booking.pk)


@receiver(booking_change_requested, dispatch_uid="orders.refuse_move_onto_own_session")
def refuse_a_move_onto_a_session_of_the_order(sender, *, booking, new_start=None, **kwargs) -> None:
    """A session of an order moved onto another session of the same order (a group session it
    already has a seat in) is refused, as booking it would be (the owner's lock is held)."""
    if new_start is not None and booking.order_item_id is not None and booking.meeting_type.is_group:
        services.refuse_overlapping_session(order=booking.order_item.order, start=new_start,
                                            end=new_start + booking.duration, exclude_booking_id=booking.pk)


@receiver(booking_cancelled, dispatch_uid="orders.credits.cancel")
def return_the_credit(sender, *, booking, by=BookedBy.CLIENT, now=None, **kwargs) -> None:
    """A session was cancelled (by the client, the owner, or with its order): its credit comes
    back, unless the order's policy makes a late cancel use it."""
    credits.ledger_return_cancelled(booking=booking, by=by, now=now)


@receiver(attendance_marked, dispatch_uid="orders.credits.no_show")
def settle_a_no_show(sender, *, booking, by_user=None, now=None, **kwargs) -> None:
    credits.ledger_settle_no_show(booking=booking, by_user=by_user, now=now)


@receiver(order_activated, dispatch_uid="orders.gifts.hand_over")
def hand_a_paid_gift_over(sender, *, order, **kwargs) -> None:
    """An order became active (paid, free, given): a gift becomes its recipient's (orders.gifts)."""
    gifts.gift_hand_over(order=order)


@receiver(owner_booking_page_sections, dispatch_uid="orders.booking_page_answers")
def booking_page_answers(*, request, booking, **_) -> str:
    """The owner's page of a session of an order: the client's answers to the package's questions
    (the order is joined with the booking: no query)."""
    if not booking.order_item_id:
        return ""
    answers = booking.order_item.order.answers
    if not answers:
        return ""
    return render_to_section(request, "orders/_booking_answers.html", {"answers": answers})


@receiver(booking_answers, dispatch_uid="orders.booking_answers")
def tell_the_order_answers(sender, *, booking, **kwargs) -> list[tuple[str, str]]:
    """A session of an order: the client answered the package's invitee questions when ordering."""
    if not booking.order_item_id:
        return []
    return [(entry.get("question", ""), answer_text(entry.get("answer")))
            for entry in booking.order_item.order.answers or []]
