"""Writes of invoices: the owner's settings, an invoice for a confirmed payment, a credit note for a
refund. Payments calls the last two inside the transaction that confirms or refunds the payment.

Numbers: each owner has one sequence of invoices ("INV-0001", with their prefix) and a separate one
of credit notes ("CN-0001"), as accounting software keeps them (Xero, Zoho Books, Sage: a credit note
is its own document type with its own numbering). A number is taken under the row lock of the
owner's `NumberSequence` row (lock late: the last lock the payment's transaction takes; an invoice's
number in the one statement that raises it, what the invoice needs read before it) and written in
the same transaction: a rollback gives the number back, so there is no gap and no repeat.
"""
import functools
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.signals import post_save
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext

from invoices.models import (
    CREDIT_NOTE_PREFIX,
    CreditNote,
    Invoice,
    InvoiceSettings,
    NumberSequence,
    SequenceKind,
)
from invoices.tax import TaxBreakdown, tax_breakdown
from leadmonk import raw_rows
from leadmonk.languages import date_formats, message_language
from leadmonk.money import format_money, round_money
from orders.gifts import gift_of
from orders.models import OrderItem


class InvoiceError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CreditNoteRefused(InvoiceError):
    """A credit note for nothing, or for more than is left of its invoice."""


class NumberGivenAlready(InvoiceError):
    """A "next invoice number" at or below one the owner was given already."""

    field = "next_number"


@transaction.atomic
def invoice_settings_save(*, owner, business_name: str, address: str, tax_id: str, tax_rate: Decimal,
                          prices_include_tax: bool, number_prefix: str, footer: str,
                          tax_name: str = "Tax", next_number: int | None = None) -> InvoiceSettings:
    """Save Settings › Invoices. Documents already issued, and orders already placed, keep the
    details and the tax they were made with. `next_number` moves the invoice numbering on (an owner
    who carries on the sequence of another tool), under the sequence's lock, never back: a number
    already given raises NumberGivenAlready and nothing is saved."""
    settings_row, _ = InvoiceSettings.objects.update_or_create(owner=owner, defaults={
        "business_name": business_name, "address": address, "tax_id": tax_id, "tax_rate": tax_rate,
        "tax_name": tax_name or "Tax", "prices_include_tax": prices_include_tax, "number_prefix": number_prefix,
        "footer": footer,
    })
    if next_number is not None:
        sequence = _lock_sequence(owner.pk, SequenceKind.INVOICE)
        if next_number <= sequence.last_number:
            last = Invoice.objects.filter(owner=owner, sequence=next_number).values_list("number", flat=True).first()
            raise NumberGivenAlready(
                f"Invoice {last or _format_number(number_prefix, next_number)} was issued already: "
                f"enter {sequence.last_number + 1} or more.")
        if next_number > sequence.last_number + 1:
            sequence.last_number = next_number - 1
            sequence.save(update_fields=["last_number"])
    return settings_row


def next_invoice_number(owner) -> int:
    """The sequence number the owner's next invoice gets (Settings › Invoices shows it)."""
    last = (NumberSequence.objects.filter(owner=owner, kind=SequenceKind.INVOICE)
            .values_list("last_number", flat=True).first())
    return (last or 0) + 1


def _lock_sequence(owner_id: int, kind: str) -> NumberSequence:
    """The owner's sequence row of `kind`, locked for the rest of the transaction. The row is made
    on first use with INSERT ... ON CONFLICT DO NOTHING, which waits for a concurrent insert of the
    same row to commit instead of failing, so two first documents still queue on one row."""
    NumberSequence.objects.bulk_create([NumberSequence(owner_id=owner_id, kind=kind)], ignore_conflicts=True)
    return NumberSequence.objects.select_for_update().get(owner_id=owner_id, kind=kind)


def _take_number(sequence: NumberSequence) -> int:
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def _next_invoice_number(owner_id: int) -> int:
    """The owner's next invoice number, taken in one statement: the sequence row is made on first
    use or its number raised, locked either way until the transaction ends (a concurrent payment's
    statement waits, then raises the number it committed). One round trip under the lock where
    `_lock_sequence` then `_take_number` make three: an owner's payments and renewals queue on it."""
    quote = connection.ops.quote_name
    table = quote(NumberSequence._meta.db_table)
    owner, kind, last = (quote(NumberSequence._meta.get_field(name).column)
                         for name in ("owner", "kind", "last_number"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({owner}, {kind}, {last}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({owner}, {kind}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}",
            [owner_id, SequenceKind.INVOICE.value])
        return cursor.fetchone()[0]


# The invoice's own columns, bar its id and its number (which _insert_numbered's statement takes).
def _unnumbered_fields() -> list:
    return [field for field in Invoice._meta.concrete_fields
            if not field.primary_key and field.attname not in ("sequence", "number")]


@functools.cache
def _numbered_insert_sql() -> str:
    col, table = raw_rows.column, raw_rows.table
    sequences, last = table(NumberSequence), col(NumberSequence, "last_number")
    owner, kind = col(NumberSequence, "owner"), col(NumberSequence, "kind")
    fields = _unnumbered_fields()
    # `_format_number` in SQL: the prefix, then the number with at least four digits.
    number = f"%s || CASE WHEN n.{last} >= 1000 THEN n.{last}::text ELSE LPAD(n.{last}::text, 4, '0') END"
    return (
        f"WITH n AS (INSERT INTO {sequences} ({owner}, {kind}, {last}) VALUES (%s, %s, 1) "
        f"ON CONFLICT ({owner}, {kind}) DO UPDATE SET {last} = {sequences}.{last} + 1 RETURNING {last}) "
        f"INSERT INTO {table(Invoice)} ({', '.join(col(Invoice, field.name) for field in fields)}, "
        f"{col(Invoice, 'sequence')}, {col(Invoice, 'number')}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}, (SELECT n.{last} FROM n), (SELECT {number} FROM n)) "
        f"RETURNING id, {col(Invoice, 'sequence')}, {col(Invoice, 'number')}"
    )


def _insert_numbered(invoice: Invoice, *, prefix: str) -> None:
    """PostgreSQL: the owner's next invoice number taken and the invoice written in one statement
    (the number's INSERT … ON CONFLICT of `_next_invoice_number` as a data-modifying WITH): from the
    number to the COMMIT the owner's other payments and renewals wait, and this leaves one round
    trip there, not two with the ORM's compile between them. The same row as `save()` writes, and
    the same post_save."""
    fields = _unnumbered_fields()
    values = [field.get_db_prep_save(field.pre_save(invoice, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(_numbered_insert_sql(), [invoice.owner_id, SequenceKind.INVOICE.value, *values, prefix])
        invoice.pk, invoice.sequence, invoice.number = cursor.fetchone()
    invoice._state.adding, invoice._state.db = False, connection.alias
    post_save.send(sender=Invoice, instance=invoice, created=True, update_fields=None, raw=False,
                   using=connection.alias)


def _format_number(prefix: str, sequence: int) -> str:
    return f"{prefix}{sequence:04d}"


def _seller(owner, settings_row: InvoiceSettings) -> dict:
    return {
        "business_name": settings_row.business_name or owner.display_name or owner.email,
        "address": settings_row.address, "tax_id": settings_row.tax_id, "footer": settings_row.footer,
        "email": owner.email, "timezone": owner.timezone or "UTC", "tax_name": settings_row.tax_name,
    }


@dataclass(frozen=True)
class _Purchase:
    """What a payment paid for, as the invoice lists it."""

    owner: object
    order: object
    booking: object
    lines: list
    buyer: dict


@functools.cache
def _item_lines_sql() -> str:
    col = raw_rows.column
    return (f"SELECT {col(OrderItem, 'quantity')}, {col(OrderItem, 'meeting_type_name')}, "
            f"{col(OrderItem, 'duration_minutes')} FROM {raw_rows.table(OrderItem)} "
            f"WHERE {col(OrderItem, 'order')} = %s ORDER BY {col(OrderItem, 'position')}, id")


def _item_lines(order_id: int) -> list[tuple[int, str, int]]:
    """(quantity, name, minutes) of each item of the order, in the order's order: written out, as
    every invoice of an order (each membership renewal's) reads it and the ORM's compile cost more
    than the read."""
    with connection.cursor() as cursor:
        cursor.execute(_item_lines_sql(), [order_id])
        return cursor.fetchall()


@functools.cache
def _settings_sql() -> str:
    return (f"SELECT {raw_rows.columns(InvoiceSettings, 's')} FROM {raw_rows.table(InvoiceSettings)} s "
            f"WHERE s.{raw_rows.column(InvoiceSettings, 'owner')} = %s")


def _settings_of(owner) -> InvoiceSettings:
    """The owner's Settings › Invoices (unsaved defaults when they never saved them), read by hand
    for the same reason as the item lines; one row per owner (a one-to-one)."""
    with connection.cursor() as cursor:
        cursor.execute(_settings_sql(), [owner.pk])
        row = cursor.fetchone()
    if row is None:
        return InvoiceSettings(owner=owner)
    return raw_rows.instances(row, [InvoiceSettings])[0][0]


def _purchase(payment) -> _Purchase:
    """What the invoice is for, its lines written in the client's language (the one they ordered
    or booked in, else the owner's page language): the invoice page and its PDF speak it too, and
    the money is often confirmed by a webhook, where English is active."""
    if payment.order_id is not None:
        order = payment.order
        with translation.override(message_language(order.client_language, order.owner)):
            return _order_purchase(payment, order)
    booking = payment.booking
    with translation.override(message_language(booking.client_language, booking.meeting_type.owner)):
        return _session_purchase(payment, booking)


def _order_purchase(payment, order) -> _Purchase:
    gift = gift_of(order)
    detail = "; ".join(gettext("%(quantity)s × %(name)s (%(minutes)s min)") % {
        "quantity": quantity, "name": name, "minutes": minutes} for quantity, name, minutes in _item_lines(order.pk))
    subtotal = payment.amount - payment.tax_added + payment.discount
    if order.has_payment_plan:
        # Each instalment is a payment with its own invoice: say what the whole is.
        total = format_money(order.total_price, order.currency)
        detail = gettext("%(items)s. Payment plan: %(plan)s (%(total)s)") % {
            "items": detail, "plan": order.payment_plan_summary, "total": total}
    return _Purchase(
        owner=order.owner, order=order, booking=None,
        lines=[{"description": order.title, "detail": detail, "quantity": 1, "amount": str(subtotal)}],
        buyer=({"name": gift.buyer_name, "email": gift.buyer_email} if gift is not None
               else {"name": order.client_name, "email": order.client_email}),
    )


def _session_purchase(payment, booking) -> _Purchase:
    owner = booking.meeting_type.owner
    zone = owner.timezone or "UTC"
    start = booking.start.astimezone(ZoneInfo(zone))
    minutes = int((booking.end - booking.start).total_seconds() // 60)
    when = f"{date_format(start, date_formats()['day_date'])}, {date_format(start, 'H:i')}"
    return _Purchase(
        owner=owner, order=None, booking=booking,
        lines=[{"description": booking.meeting_type.name,
                "detail": gettext("Session on %(when)s (%(zone)s), %(minutes)s min") % {
                    "when": when, "zone": zone, "minutes": minutes},
                "quantity": 1, "amount": str(payment.amount - payment.tax_added + payment.discount)}],
        buyer={"name": booking.client_name, "email": booking.client_email},
    )


def _payment_tax(payment, settings_row: InvoiceSettings) -> tuple[Decimal, bool, TaxBreakdown]:
    """The rate, whether prices included it, and the split of what was paid. A payment keeps the
    tax it was charged with (the order's snapshot, a paid session's terms when it was held), so the
    invoice's total is what was paid whatever the settings say now; tax on top of the price is
    already inside its amount. A payment made before payments kept their tax reads the settings."""
    if payment.tax_rate is None:
        rate, inclusive = settings_row.tax_rate, settings_row.prices_include_tax
        return rate, inclusive, tax_breakdown(amount=payment.amount, rate=rate, inclusive=inclusive,
                                              currency=payment.currency)
    rate, inclusive = payment.tax_rate, payment.prices_include_tax
    if payment.tax_added:
        return rate, inclusive, TaxBreakdown(net=payment.amount - payment.tax_added, tax=payment.tax_added,
                                             total=payment.amount)
    return rate, inclusive, tax_breakdown(amount=payment.amount, rate=rate, inclusive=True,
                                          currency=payment.currency)


def invoice_issue(*, payment, paid_with: str, is_test: bool = False, new_payment: bool = False) -> Invoice | None:
    """The invoice of a payment that was just confirmed (call inside its transaction, with the payment
    locked). Nothing for a payment of nothing (no money changed hands). Issued once: a second call
    returns the first invoice. `new_payment`: the payment was created confirmed in this transaction
    (a renewal's), so it has no invoice yet and the look-up is skipped (the one-to-one on the
    payment stays the backstop)."""
    if payment.amount <= 0:
        return None
    purchase = _purchase(payment)
    owner = purchase.owner
    # Before the number is taken (the caller holds the payment: nobody issues its invoice meanwhile;
    # the one-to-one on the payment is the backstop): whether it has one, the settings. From the
    # number to the commit, the owner's other payments wait: only the INSERT is left.
    existing = None if new_payment else Invoice.objects.filter(payment_id=payment.pk).first()
    if existing is not None:
        return existing
    settings_row = _settings_of(owner)
    currency = payment.currency
    rate, inclusive, breakdown = _payment_tax(payment, settings_row)
    # Built before the number (only the number and the INSERT are left under the numbers' lock).
    invoice = Invoice(
        owner=owner, payment=payment, order=purchase.order, booking=purchase.booking,
        issued_at=payment.confirmed_at, currency=currency, is_test=is_test,
        seller=_seller(owner, settings_row), buyer=purchase.buyer, lines=purchase.lines,
        subtotal=payment.amount - payment.tax_added + payment.discount, promo_code=payment.promo_code,
        discount=payment.discount,
        tax_rate=rate, prices_include_tax=inclusive,
        net=breakdown.net, tax=breakdown.tax, total=breakdown.total,
        amount_paid=payment.amount, paid_with=paid_with, paid_at=payment.confirmed_at,
    )
    # No savepoint: an invoice that cannot be written fails the payment's whole transaction.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            _insert_numbered(invoice, prefix=settings_row.number_prefix)
        else:
            number = _next_invoice_number(owner.pk)
            invoice.sequence, invoice.number = number, _format_number(settings_row.number_prefix, number)
            invoice.save(force_insert=True)
    return invoice


def credit_note_issue(*, payment, amount: Decimal | None = None, reason: str, source_key: str) -> CreditNote | None:
    """A credit note naming the invoice of `payment`, for `amount` of money given back (None: all
    that is not credited yet; None when nothing is left). Call it in the refund's transaction.

    Idempotent on `source_key` (per payment): the same key returns the note issued the first time.
    Returns None when the payment has no invoice (a payment of nothing, or one confirmed before
    invoices existed). Raises CreditNoteRefused for zero, a negative amount or more than is left.
    The tax it gives back is the invoice's, in proportion; the note that credits the rest takes
    exactly the rest, so notes of one invoice add up to it to the last minor unit.
    """
    with transaction.atomic():
        owner_id = payment.owner_id
        sequence = _lock_sequence(owner_id, SequenceKind.CREDIT_NOTE)
        existing = CreditNote.objects.filter(payment_id=payment.pk, source_key=source_key).first()
        if existing is not None:
            return existing
        invoice = Invoice.objects.filter(payment_id=payment.pk).first()
        if invoice is None:
            return None
        currency = invoice.currency
        credited = CreditNote.objects.filter(invoice=invoice).aggregate(total=Sum("total"), tax=Sum("tax"))
        credited_total, credited_tax = credited["total"] or Decimal(0), credited["tax"] or Decimal(0)
        left = invoice.amount_paid - credited_total
        if amount is None:
            if left <= 0:
                return None  # "the rest" of an invoice already credited in full: nothing to add
            amount = left
        amount = round_money(Decimal(amount), currency)
        if amount <= 0:
            raise CreditNoteRefused("A credit note must be for more than nothing.")
        if amount > left:
            raise CreditNoteRefused(f"Only {format_money(left, currency)} of {invoice.number} is left to credit.")
        # The tax inside what was paid (all of it, unless the invoice added tax the client has not paid).
        tax_paid = invoice.tax if invoice.total == invoice.amount_paid else round_money(
            invoice.tax * invoice.amount_paid / invoice.total, currency)
        tax = (tax_paid - credited_tax if amount == left
               else round_money(amount * tax_paid / invoice.amount_paid, currency))
        number = _take_number(sequence)
        return CreditNote.objects.create(
            owner_id=owner_id, invoice=invoice, payment=payment, order=invoice.order, booking=invoice.booking,
            sequence=number, number=_format_number(CREDIT_NOTE_PREFIX, number), issued_at=timezone.now(),
            currency=currency, is_test=invoice.is_test, seller=invoice.seller, buyer=invoice.buyer,
            tax_rate=invoice.tax_rate, prices_include_tax=invoice.prices_include_tax,
            net=amount - tax, tax=tax, total=amount, reason=reason[:300], source_key=source_key,
        )
