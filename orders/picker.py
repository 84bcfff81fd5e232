"""The booking step of an order item: scheduling's shared slot picker, plus the time the client
(or owner) clicked, which the page then asks to confirm with a POST."""
from django.http import HttpRequest
from django.utils import timezone

from scheduling.models import MeetingType
from scheduling.selectors import datetime_label, parse_picker_date, parse_slot_start, slot_picker_context


def picker_context(request: HttpRequest, *, meeting_type: MeetingType, viewer_tz: str,
                   exclude_booking_id: int | None = None, enforce_notice: bool = True) -> dict:
    """Context for templates/orders/_book_step.html (`meeting_type.owner` must be loaded)."""
    picker = slot_picker_context(
        meeting_type=meeting_type,
        viewer_tz=viewer_tz,
        action_url=request.path,
        selected_date=parse_picker_date(request.GET.get("date")),
        week_start=parse_picker_date(request.GET.get("week")),
        now=timezone.now(),
        exclude_booking_id=exclude_booking_id,
        enforce_notice=enforce_notice,
    )
    chosen = parse_slot_start(request.GET.get("start"))
    chosen_iso = next((time.start_iso for time in picker.times if time.start == chosen), None)
    return {
        "picker": picker,
        "picker_selected_start": chosen_iso,
        "chosen_start_iso": chosen_iso,
        "chosen_label": datetime_label(chosen, viewer_tz) if chosen_iso else "",
    }
