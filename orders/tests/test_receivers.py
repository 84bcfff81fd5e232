"""Orders takes part in a booking only through orders.receivers (connected by OrdersConfig.ready),
each calling a named service; on a new booking the credit is debited before notifications writes
the confirmation, which numbers the session from the credits ("Session 1 of 2")."""
from scheduling import signals
from scheduling.models import Booking


def receivers_of(signal) -> list[str]:
    sync_receivers, _ = signal._live_receivers(Booking)
    return [f"{receiver.__module__}.{receiver.__name__}" for receiver in sync_receivers]


def test_the_booking_signals_reach_orders_through_its_receivers_module():
    orders_receivers = {
        signals.booking_created: ["orders.receivers.debit_the_credit"],
        signals.booking_cancelled: ["orders.receivers.return_the_credit"],
        signals.booking_change_requested: ["orders.receivers.refuse_a_late_move",
                                           "orders.receivers.refuse_a_move_on_a_closed_order",
                                           "orders.receivers.refuse_a_move_into_a_full_week",
                                           "orders.receivers.refuse_a_move_onto_a_session_of_the_order"],
        signals.attendance_marked: ["orders.receivers.settle_a_no_show"],
        signals.cancel_warning: ["orders.receivers.warn_of_a_late_cancel"],
        signals.reschedule_refusal: ["orders.receivers.say_why_it_cannot_move"],
    }
    for signal, expected in orders_receivers.items():
        assert [name for name in receivers_of(signal) if name.startswith("orders.")] == expected


def test_the_credit_is_debited_before_the_confirmation_is_written():
    names = receivers_of(signals.booking_created)
    assert names.index("orders.receivers.debit_the_credit") < names.index(
        "notifications.receivers.on_booking_created")
