"""/dashboard/insights/: the owner's business over the last 12 months, each figure a chart drawn
on the server with its numbers in a table beside it (insights.selectors reads, insights.charts draws)."""
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from insights import charts
from insights.selectors import Insights, insights_for_owner
from leadmonk.money import format_money, round_money


def _month_label(month) -> str:
    return f"{month:%b}" if month.month != 1 else f"{month:%b %y}"


def _amount(value, currency: str) -> str:
    return f"{round_money(value, currency):,}"


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.0f}"


def _money_charts(data: Insights) -> list[dict]:
    figures = []
    for currency, rows in data.money.items():
        labels = [_month_label(row.month) for row in rows]
        figures.append({
            "currency": currency, "rows": [  # the caption names the currency: plain amounts in the cells
                {"month": row.month, "taken": _amount(row.taken, currency),
                 "refunded": _amount(row.refunded, currency), "net": _amount(row.net, currency)}
                for row in rows],
            "total": {"taken": _amount(sum(row.taken for row in rows), currency),
                      "refunded": _amount(sum(row.refunded for row in rows), currency),
                      "net": _amount(sum(row.net for row in rows), currency)},
            "chart": charts.bar_chart(
                title=f"Money by month ({currency})",
                description=f"Taken, refunded and net in {currency} for each of the last 12 months; "
                            "the table beside it has the figures.",
                labels=labels, label_every=2,
                series=[charts.Series("Taken", [row.taken for row in rows], "series-1"),
                        charts.Series("Refunded", [row.refunded for row in rows], "series-3"),
                        charts.Series("Net", [row.net for row in rows], "series-2")]),
        })
    return figures


@login_required
@require_GET
def insights_page(request: HttpRequest) -> HttpResponse:
    data = insights_for_owner(request.user)
    weeks = data.sessions
    week_labels = [f"{week.week:%-d %b}" for week in weeks]
    packs = data.packs_sold
    context = {
        "data": data,
        "money": _money_charts(data),
        "packs_chart": charts.bar_chart(
            title="Packs sold by month", label_every=2,
            description="How many packages were paid for in each of the last 12 months; the table beside it "
                        "has the figures.",
            labels=[_month_label(month) for month, _count in packs],
            series=[charts.Series("Packs sold", [count for _month, count in packs], "series-1")]),
        "packs": packs, "packs_total": sum(count for _month, count in packs),
        "sessions_chart": charts.line_chart(
            title="Sessions by week", label_every=8,
            description="Sessions booked, used, expired and no-shows in each week of the last 12 months; "
                        "the table beside it has the figures.",
            labels=week_labels,
            series=[charts.Series("Booked", [week.booked for week in weeks], "series-1"),
                    charts.Series("Used", [week.used for week in weeks], "series-2"),
                    charts.Series("Expired", [week.expired for week in weeks], "series-4"),
                    charts.Series("No-shows", [week.no_shows for week in weeks], "series-3")]),
        "weeks": list(reversed(weeks)),  # newest first in the table
        "session_totals": {name: sum(getattr(week, name) for week in weeks)
                           for name in ("booked", "used", "expired", "no_shows")},
        "held": data.used + data.no_shows,
        "no_show_percent": _percent(data.no_show_rate), "late_cancel_percent": _percent(data.late_cancel_rate),
        "outstanding": [{"currency": row.currency, "sessions": row.sessions,
                         "money": format_money(row.money, row.currency)} for row in data.outstanding],
    }
    return render(request, "insights/insights.html", context)
