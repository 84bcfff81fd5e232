"""Reads of payments for the owner's dashboard (scoped to the owner, constant queries)."""
from django.db.models import Case, DecimalField, F, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from invoices.models import CreditNote
from orders.models import OrderStatus
from payments.models import PAID_STATUSES, REFUNDABLE_STATUSES, Payment, PaymentStatus, Refund


def _owned_by(owner) -> Q:
    """The owner's payments: of their orders and of their paid sessions (Payment.owner, copied from
    them: one indexed column, where "order's owner or booking's owner" joined every order and
    booking of the site)."""
    return Q(owner=owner)


def payments_for_owner(owner, *, status: str = "", provider: str = "") -> QuerySet[Payment]:
    # Its invoice joined, its credit notes in one more query (invoices: the documents of each payment).
    payments = (Payment.objects.filter(_owned_by(owner)).select_related("order", "booking__meeting_type", "invoice")
                .prefetch_related("credit_notes"))
    if status:
        payments = payments.filter(status=status)
    if provider:
        payments = payments.filter(provider=provider)
    return payments.order_by("-created_at", "-id")


# What a row of the dashboard list shows (payments.dashboard_views._payment_rows_html), with the
# keys that join them: reading only these halves the SQL to compile and the values to decode.
LIST_COLUMNS = (
    "order_id", "booking_id", "provider", "status", "amount", "currency", "refunded_amount", "flagged",
    "refunded_outside", "created_at",
    "order__title", "order__client_name", "order__status", "order__token",
    "booking__start", "booking__client_name", "booking__token", "booking__meeting_type_id",
    "booking__meeting_type__name", "invoice__number", "invoice__payment_id",
)


def payment_list_for_owner(owner, *, status: str = "", provider: str = "") -> QuerySet[Payment]:
    """`payments_for_owner` with only the columns the dashboard list shows (LIST_COLUMNS) and each
    payment's credit notes' numbers."""
    notes = CreditNote.objects.only("number", "payment_id").order_by("id")
    return (payments_for_owner(owner, status=status, provider=provider).only(*LIST_COLUMNS)
            .prefetch_related(None).prefetch_related(Prefetch("credit_notes", queryset=notes)))


def payments_needing_refund_count(owner) -> int:
    """How many of the owner's orders were cancelled with their payment kept (Payment.needs_refund)."""
    return Payment.objects.filter(
        order__owner=owner, order__status=OrderStatus.CANCELLED, status__in=REFUNDABLE_STATUSES, flagged=False,
    ).count()


def payment_totals(owner, *, provider: str = "") -> list[dict]:
    """Per currency: money received (confirmed, including what was later refunded), refunded (the
    sum of the refunds, in full or in part), and net (received minus refunded). One query."""
    zero = Value(0, output_field=DecimalField(max_digits=14, decimal_places=3))
    payments = Payment.objects.filter(_owned_by(owner), status__in=PAID_STATUSES)
    if provider:
        payments = payments.filter(provider=provider)
    rows = (
        payments.values("currency")
        .annotate(
            received=Coalesce(Sum("amount"), zero),
            # A refunded payment counts whole (also one refunded before refunds were recorded
            # one by one); a partly refunded one, the sum of its refunds.
            refunded=Coalesce(Sum(Case(When(status=PaymentStatus.REFUNDED, then=F("amount")),
                                       default=F("refunded_amount"))), zero),
        )
        .order_by("currency")
    )
    return [{**row, "net": row["received"] - row["refunded"]} for row in rows]


def payments_for_export(*, owner, start, end) -> QuerySet[Payment]:
    """The owner's payments created in [start, end), with their order or session and invoice (one
    query), and their credit notes (one more per chunk the export reads)."""
    return (
        Payment.objects.filter(_owned_by(owner), created_at__gte=start, created_at__lt=end)
        .select_related("order", "booking__meeting_type", "invoice")
        .prefetch_related("credit_notes")
        .order_by("created_at", "id")
    )


def packages_for_issuing(owner):
    """The packages the owner can issue an order of: their own published (active) ones. One query."""
    from packages.models import Package, PackageState

    return (
        Package.objects.for_owner(owner).filter(state=PackageState.ACTIVE)
        .select_related("owner").order_by("name", "id")
    )


def refunds_of_payment(payment: Payment) -> QuerySet:
    """A payment's refunds, oldest first, with who made them (one query)."""
    return Refund.objects.filter(payment=payment).select_related("created_by").order_by("created_at", "id")
