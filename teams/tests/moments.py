"""The moments the team tests run at: Tuesday 2026-12-01 noon UTC, and the Monday after at 09:00
New York (14:00 UTC), when the members' weekday hours (9-17 New York) are open."""
from datetime import UTC, datetime

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
NINE_AM = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
