"""waitlists.demo: a full group workshop session with one client waiting, once."""
from scheduling import demo as scheduling_demo
from scheduling.models import Booking, BookingStatus
from waitlists import demo
from waitlists.models import WaitlistEntry, WaitlistStatus


def test_seed_fills_one_workshop_session_and_puts_one_client_in_line_once(owner):
    scheduling_demo.seed(owner)
    demo.seed(owner)
    demo.seed(owner)
    entry = WaitlistEntry.objects.get()
    assert (entry.client_email, entry.status, entry.position) == (demo.DEMO_WAITING_EMAIL, WaitlistStatus.WAITING, 1)
    seats = Booking.objects.filter(meeting_type=entry.meeting_type, start=entry.start, status=BookingStatus.CONFIRMED)
    assert seats.count() == entry.meeting_type.capacity
