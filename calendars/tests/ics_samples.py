"""iCalendar texts the calendars tests serve: built here so each test says only what it changes."""

HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//EN\r\n"
TAIL = "END:VCALENDAR\r\n"

# A zone of the file's own (not an IANA name): Berlin's rules under another name.
CUSTOM_ZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:Coach Local Time\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
)


def event(uid: str, start: str, end: str, *extra: str) -> str:
    """A VEVENT; `start`/`end` are property values with their parameters, e.g. '20261207T140000Z'
    or ';TZID=America/New_York:20261207T090000' or ';VALUE=DATE:20261208'."""
    start = start if start.startswith(";") else ":" + start
    end = end if end.startswith(";") else ":" + end
    lines = [f"UID:{uid}", "DTSTAMP:20261101T000000Z", f"DTSTART{start}", f"DTEND{end}", f"SUMMARY:{uid}", *extra]
    return "BEGIN:VEVENT\r\n" + "".join(line + "\r\n" for line in lines) + "END:VEVENT\r\n"


def calendar(*events: str, zones: str = "") -> str:
    return HEAD + zones + "".join(events) + TAIL
