"""Facts about an owner that apps above scheduling ask on every new booking (calendars: does the owner
add bookings to a calendar; webhooks: has the owner an enabled endpoint), read by booking_create in
the statement that reads the meeting type under the owner's lock, instead of a query (or a cache
call) each in the receivers of booking_created.

An app registers a name and the SQL of a boolean about the owner whose id column it is given (from
the module its AppConfig.ready imports, before any booking). booking_create passes the answers to
booking_created's receivers (`owner_facts=`, read in that transaction after the lock); a receiver
that gets none (another sender: a paid hold confirmed, a team booking) asks as before."""
from collections.abc import Callable

# name -> a function of the owner's id column (SQL) giving the SQL of a boolean about that owner.
_FACTS: dict[str, Callable[[str], str]] = {}


def register(name: str, sql: Callable[[str], str]) -> None:
    """Read `sql(owner_id_column)` with every new booking's meeting type; its receivers get the
    answer as `owner_facts[name]`."""
    _FACTS[name] = sql


def names() -> tuple[str, ...]:
    return tuple(_FACTS)


def sql(name: str, owner_id_column: str) -> str:
    return _FACTS[name](owner_id_column)


def answer(owner_facts: dict[str, bool] | None, name: str) -> bool | None:
    """The fact `name` as booking_create read it, or None when it was not read (then ask)."""
    return None if owner_facts is None else owner_facts.get(name)
