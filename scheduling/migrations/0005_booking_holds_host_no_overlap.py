"""Bookings say whether they hold their host exclusively, and on PostgreSQL the database refuses two
overlapping ones of one host (an exclusion constraint, btree_gist), whatever code path writes them.

Existing overlaps (seats of a group type later switched to 1:1, say) would make the constraint fail:
`host_overlaps` finds them first and the migration stops with a list of them, having changed nothing.
The constraint is not in the model's state: it exists on PostgreSQL only, and SQLite keeps the code's
lock and check (scheduling.services).
"""
from datetime import UTC

from django.contrib.postgres.operations import BtreeGistExtension
from django.core.management.base import CommandError
from django.db import migrations, models
from django.utils.dateparse import parse_datetime

CONSTRAINT = "booking_host_no_overlap"  # scheduling.models.HOST_NO_OVERLAP
LISTED = 50  # pairs named in the report; the rest are counted


def _tables(apps, quote):
    booking = apps.get_model("scheduling", "Booking")
    user = booking._meta.get_field("owner").related_model
    meeting_type = apps.get_model("scheduling", "MeetingType")
    return {"booking": quote(booking._meta.db_table), "meeting_type": quote(meeting_type._meta.db_table),
            "user": quote(user._meta.db_table), "end": quote("end"), "start": quote("start")}


def host_overlaps(apps, connection) -> list[tuple]:
    """Pairs of bookings that the constraint would refuse: one host, both not cancelled, both of a
    meeting type that is 1:1 now, overlapping times. Rows (first id, second id, host id, host email,
    first start, first end, second start, second end), by host and time. A window over each host's
    bookings in time order flags those that begin before an earlier one ends (one sort, not a
    self-join of every booking), then only those are paired with what they overlap."""
    names = _tables(apps, connection.ops.quote_name)
    sql = """
        WITH exclusive AS (
            SELECT b.id, b.owner_id, b.{start} AS starts, b.{end} AS ends
            FROM {booking} b JOIN {meeting_type} m ON m.id = b.meeting_type_id
            WHERE b.status <> 'cancelled' AND m.kind <> 'group' AND b.{end} > b.{start}
        ), flagged AS (
            SELECT id, owner_id, starts, ends, MAX(ends) OVER (
                PARTITION BY owner_id ORDER BY starts, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
            ) AS reach
            FROM exclusive
        )
        SELECT a.id, f.id, f.owner_id, u.email, a.starts, a.ends, f.starts, f.ends
        FROM flagged f
        JOIN exclusive a ON a.owner_id = f.owner_id AND a.ends > f.starts
            AND (a.starts < f.starts OR (a.starts = f.starts AND a.id < f.id))
        JOIN {user} u ON u.id = f.owner_id
        WHERE f.reach > f.starts
        ORDER BY f.owner_id, a.starts, a.id, f.id
    """.format(**names)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()

    def as_datetime(value):
        # SQLite hands back naive UTC (text or datetime); PostgreSQL aware datetimes.
        value = parse_datetime(value) if isinstance(value, str) else value
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    return [(*row[:4], *(as_datetime(value) for value in row[4:])) for row in rows]


def overlap_report(overlaps: list[tuple]) -> str:
    """What the person running the migration reads: the pairs, and what to do about them."""
    def moment(start, end) -> str:
        end_format = "%H:%M" if end.date() == start.date() else "%Y-%m-%d %H:%M"
        return f"{start:%Y-%m-%d %H:%M}-{end.strftime(end_format)} UTC"

    lines = [
        f"Cannot add the constraint that keeps a host's 1:1 bookings apart: {len(overlaps)} pair(s) of "
        "bookings of one host overlap (both not cancelled, both of a meeting type that is 1:1 now).",
    ]
    for first, second, host_id, email, first_start, first_end, second_start, second_end in overlaps[:LISTED]:
        lines.append(f"  host {host_id} ({email}): booking {first} at {moment(first_start, first_end)} "
                     f"overlaps booking {second} at {moment(second_start, second_end)}")
    if len(overlaps) > LISTED:
        lines.append(f"  … and {len(overlaps) - LISTED} more pair(s).")
    lines.append(
        "Nothing was changed. Cancel or move one booking of each pair (or, where they are seats of a group "
        "session whose meeting type was later switched to 1:1, switch that meeting type back to Group), "
        "then run migrate again."
    )
    return "\n".join(lines)


def refuse_existing_overlaps(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    overlaps = host_overlaps(apps, schema_editor.connection)
    if overlaps:
        raise CommandError("\n" + overlap_report(overlaps))  # below the "Applying …" line


def holds_host_from_kind(apps, schema_editor) -> None:
    """Existing bookings hold their host as their meeting type's kind says today (the best record
    there is); from now on each booking is stamped when it is made."""
    Booking = apps.get_model("scheduling", "Booking")
    Booking.objects.filter(meeting_type__kind="group").update(holds_host=False)


def _constraint():
    from django.contrib.postgres.constraints import ExclusionConstraint
    from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators

    # Half-open ranges, as the slot engine's: a meeting ending at 10:00 and one starting then touch.
    time_range = models.Func(models.F("start"), models.F("end"), models.Value("[)"), function="TSTZRANGE",
                             output_field=DateTimeRangeField())
    return ExclusionConstraint(
        name=CONSTRAINT,
        expressions=[("owner", RangeOperators.EQUAL), (time_range, RangeOperators.OVERLAPS)],
        condition=~models.Q(status="cancelled") & models.Q(holds_host=True),
    )


def add_constraint(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_constraint(apps.get_model("scheduling", "Booking"), _constraint())


def remove_constraint(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_constraint(apps.get_model("scheduling", "Booking"), _constraint())


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0004_team_hosts'),
    ]

    operations = [
        # First, before anything changes: stop with a clear list if the constraint could not be added.
        migrations.RunPython(refuse_existing_overlaps, migrations.RunPython.noop),
        migrations.AddField(
            model_name='booking',
            name='holds_host',
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.RunPython(holds_host_from_kind, migrations.RunPython.noop),
        BtreeGistExtension(),  # equality on the host column inside a GiST index; a no-op off PostgreSQL
        migrations.RunPython(add_constraint, remove_constraint),
    ]
