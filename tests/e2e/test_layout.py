"""Layout checks a person would make (issue 12, item 13): the packages table fits a laptop, every
dashboard section is one tap away on a phone, long email addresses wrap at their parts, and the
booking step labels are readable (4.5:1 contrast)."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.credits import ledger_adjust
from orders.lifecycle import order_cancel
from orders.models import PackageOrder
from orders.services import order_session_book
from packages.models import BillingInterval, Package
from payments.models import Payment, Provider
from payments.services import payment_confirm, payment_refund, payment_start
from scheduling.availability import available_slots
from scheduling.models import MeetingTypeKind
from scheduling.services import booking_cancel
from tests import make_booking, make_meeting_type, make_package
from tests.e2e.data import make_shop, place_paid_order, place_pending_order
from tests.e2e.helpers import LAPTOP, PHONE, check_page, log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "layout"
LONG_EMAIL = "maximilian.featherstonehaugh-whittingham@consulting-partners-international.example.com"
SECTIONS = ["Upcoming", "Meeting Types", "Availability", "Teams", "Packages", "Orders", "Payments", "Settings"]

# Where a line of an element's text breaks: [the last character before each break, the first after].
_LINE_BREAKS_JS = """
(el) => {
  const node = [...el.childNodes].length ? el : el;
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const chars = [];
  while (walker.nextNode()) {
    const text = walker.currentNode;
    for (let i = 0; i < text.length; i++) {
      const range = document.createRange();
      range.setStart(text, i); range.setEnd(text, i + 1);
      const rect = range.getClientRects()[0];
      if (rect) chars.push([text.data[i], Math.round(rect.top)]);
    }
  }
  const breaks = [];
  for (let i = 1; i < chars.length; i++) {
    if (chars[i][1] > chars[i - 1][1] + 2) breaks.push([chars[i - 1][0], chars[i][0]]);
  }
  return breaks;
}
"""

_CONTRAST_JS = """
(el) => {
  const rgb = (value) => value.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let node = el, background = null;
  while (node && !background) {
    const value = getComputedStyle(node).backgroundColor;
    if (value && !/rgba\\(.*,\\s*0\\)$/.test(value) && value !== 'transparent') background = value;
    node = node.parentElement;
  }
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(rgb(background || 'rgb(255,255,255)'));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


def _assert_breaks_only_between_parts(breaks: list[list[str]]) -> None:
    for before, after in breaks:
        assert before in ".-_+@ ·" or after in "@", f"the address is cut mid-word: …{before}|{after}…"


def test_the_packages_table_fits_a_laptop_screen(page, server):
    shop = make_shop()
    shop.package.name = "Career Coaching Starter Pack: three one-to-one sessions and two group workshops"
    shop.package.save()
    # A membership's price says its period ("180.00 USD a month"): kept on one line, it pushed the
    # Edit column out of the card.
    make_package(shop.owner, items=[(shop.coaching, 4)], name="Monthly coaching membership",
                 price=Decimal("180.00"), billing_interval=BillingInterval.MONTH)
    log_in_as(page, server, shop.owner)
    page.goto(f"{server}/dashboard/packages/")
    check_page(page, J, "01-packages-list", h1="Packages")
    page.set_viewport_size(LAPTOP)
    wrap = page.locator(".table-wrap").first
    scroll_width, client_width = wrap.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    assert scroll_width <= client_width, f"the table is {scroll_width - client_width}px wider than its card"
    edit = page.get_by_role("link", name=re.compile("^Edit Career Coaching"))
    expect(edit).to_be_in_viewport(ratio=1)
    box = edit.bounding_box()
    assert box["x"] + box["width"] <= LAPTOP["width"]
    expect(page.get_by_role("link", name="Edit Monthly coaching membership")).to_be_in_viewport(ratio=1)
    for copy in page.get_by_role("button", name=re.compile("^Copy link to")).all():
        expect(copy).to_be_in_viewport(ratio=1)


def test_the_meeting_types_table_fits_a_laptop_screen_with_each_link_on_one_line(page, server):
    # Beside its Copy button the address was squeezed into a column a few letters wide
    # ("/de mo/c oach ing-"), one line per few letters.
    shop = make_shop()
    make_meeting_type(shop.owner, name="Single coaching session", slug="single-coaching-session")
    make_meeting_type(shop.owner, name="Open practice group", slug="open-practice-group",
                      kind=MeetingTypeKind.GROUP, capacity=3)
    log_in_as(page, server, shop.owner)
    page.goto(f"{server}/dashboard/meeting-types/")
    check_page(page, J, "08-meeting-types", h1="Meeting Types")
    wrap = page.locator(".table-wrap").first
    scroll_width, client_width = wrap.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    assert scroll_width <= client_width, f"the table is {scroll_width - client_width}px wider than its card"
    for link in page.locator(".link-cell .link-text").all():
        lines = link.evaluate("(el) => el.getClientRects().length === 1 && el.getBoundingClientRect().height")
        assert lines and lines < 30, f"{link.inner_text()} takes several lines"
    for name in ["Single coaching session", "Open practice group"]:
        expect(page.get_by_role("link", name=f"Delete {name}")).to_be_in_viewport(ratio=1)


_WORDS_CUT_JS = """
(el) => {
  // The words of the element's text that the browser split over two lines.
  const cut = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode;
    for (const match of text.data.matchAll(/[^\\s-]+/g)) {  // a line may break after a hyphen
      const range = document.createRange();
      range.setStart(text, match.index); range.setEnd(text, match.index + match[0].length);
      if (range.getClientRects().length > 1) cut.push(match[0]);
    }
  }
  return cut;
}
"""


def test_the_payments_list_cuts_no_word_on_a_laptop(page, server, settings):
    # The order column was squeezed until its words broke ("Coaching program|me", "member|ship").
    settings.TEST_PAYMENTS_ENABLED = True
    shop = make_shop()
    Package.objects.filter(pk=shop.package.pk).update(name="Monthly coaching membership")
    for _ in range(2):
        order = place_pending_order(Package.objects.get(pk=shop.package.pk))
        payment = payment_start(order=order, provider=Provider.TEST)
        payment_confirm(payment_id=payment.pk, amount=payment.amount, currency=payment.currency)
    # The widest row: part refunded ("−60.00 USD refunded", "Partly refunded", a credit note).
    payment_refund(payment=Payment.objects.get(pk=payment.pk), by_owner=shop.owner, amount=Decimal("60.00"),
                   reason="One session less")
    log_in_as(page, server, shop.owner)
    page.goto(f"{server}/dashboard/payments/")
    check_page(page, J, "09-payments", h1="Payments")
    wrap = page.locator(".table-wrap").first
    scroll_width, client_width = wrap.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    assert scroll_width <= client_width, f"the table is {scroll_width - client_width}px wider than its card"
    for cell in page.locator("td[data-label=Order], td[data-label=Invoice]").all():
        assert cell.evaluate(_WORDS_CUT_JS) == [], f"a word is cut in {cell.inner_text()!r}"


def test_every_dashboard_section_is_one_tap_away_on_a_phone(phone_page, server):
    shop = make_shop()
    page = phone_page
    log_in_as(page, server, shop.owner)
    page.goto(f"{server}/dashboard/")
    check_page(page, J, "02-dashboard-phone")
    nav = page.get_by_role("navigation", name="Dashboard")
    scroll_width, client_width = nav.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    assert scroll_width <= client_width, "the section navigation hides sections in a sideways strip"
    for name in SECTIONS:
        link = nav.get_by_role("link", name=name, exact=True)
        expect(link).to_be_in_viewport(ratio=1)
        box = link.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], name
        assert box["height"] >= 32, f"{name} is too small to tap"
    # One tap, from a page lower in the list, straight to the last section.
    nav.get_by_role("link", name="Settings", exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/settings/$"))
    expect(page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Payments")).to_be_in_viewport()


def test_no_dashboard_page_scrolls_sideways_on_a_phone(phone_page, server, settings):
    # A paid order cancelled without a refund shows the widest thing the dashboard has: the
    # "Needs refund" box's button naming the amount and the provider.
    settings.TEST_PAYMENTS_ENABLED = True
    shop = make_shop()
    order = place_pending_order(shop.package)
    payment = payment_start(order=order, provider=Provider.TEST)
    payment_confirm(payment_id=payment.pk, amount=payment.amount, currency=payment.currency)
    order_cancel(order=PackageOrder.objects.get(pk=order.pk), reason="Away for two months.")
    page = phone_page
    log_in_as(page, server, shop.owner)
    for path in ["/dashboard/", "/dashboard/meeting-types/", "/dashboard/availability/", "/dashboard/packages/",
                 f"/dashboard/packages/{shop.package.pk}/", "/dashboard/orders/", f"/dashboard/orders/{order.pk}/",
                 "/dashboard/payments/", f"/dashboard/payments/{payment.pk}/", "/dashboard/settings/",
                 "/dashboard/settings/plan/"]:
        page.goto(f"{server}{path}")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= PHONE["width"], f"{path} is {wide} px wide at {PHONE['width']} px"
    page.goto(f"{server}/dashboard/orders/{order.pk}/")
    check_page(page, J, "07-needs-refund-phone")
    box = page.get_by_role("button", name=re.compile("^Refund 120.00")).bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_long_email_addresses_wrap_between_their_parts(phone_page, new_page, server):
    shop = make_shop()
    order = place_paid_order(shop.package)
    PackageOrder.objects.filter(pk=order.pk).update(client_email=LONG_EMAIL)
    page = phone_page
    page.goto(f"{server}/orders/{order.token}/")
    check_page(page, J, "03-order-long-email")
    email = page.locator(".email", has_text="featherstonehaugh").first
    expect(email).to_be_visible()
    breaks = email.evaluate(_LINE_BREAKS_JS)
    assert breaks, "at 390 px the address needs more than one line"
    _assert_breaks_only_between_parts(breaks)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The owner's page of the order, at phone width too.
    owner_page = new_page(PHONE)
    log_in_as(owner_page, server, shop.owner)
    owner_page.goto(f"{server}/dashboard/orders/{order.pk}/")
    check_page(owner_page, J, "04-owner-order-long-email")
    owner_email = owner_page.locator(".email", has_text="featherstonehaugh").first
    _assert_breaks_only_between_parts(owner_email.evaluate(_LINE_BREAKS_JS))


def test_long_email_addresses_wrap_in_the_payment_notice_and_the_owners_sessions(phone_page, new_page, server):
    shop = make_shop()
    order = place_pending_order(shop.package, client_email=LONG_EMAIL)
    make_booking(shop.coaching, timezone.now() + timedelta(days=1), client_email=LONG_EMAIL)
    page = phone_page

    # Paid through the pages: the order page's "Payment received" names the address.
    page.goto(f"{server}/payments/checkout/{order.token}/")
    page.get_by_role("button", name=re.compile(r"^Pay .*120\.00")).click()
    page.wait_for_url(re.compile(r"/payments/test/[^/]+/$"))
    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    page.wait_for_url(re.compile(rf"/orders/{order.token}/$"))
    check_page(page, J, "05-payment-received-long-email")
    email = page.locator(".payment-received .email")
    expect(email).to_be_visible()
    breaks = email.evaluate(_LINE_BREAKS_JS)
    assert breaks, "at 390 px the address needs more than one line"
    _assert_breaks_only_between_parts(breaks)

    # The owner's upcoming sessions list the client's address, at phone width too.
    owner_page = new_page(PHONE)
    log_in_as(owner_page, server, shop.owner)
    owner_page.goto(f"{server}/dashboard/")
    check_page(owner_page, J, "06-upcoming-long-email")
    owner_email = owner_page.locator(".day-group .email", has_text="featherstonehaugh").first
    expect(owner_email).to_be_visible()
    _assert_breaks_only_between_parts(owner_email.evaluate(_LINE_BREAKS_JS))
    assert owner_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1280", "390"])
def test_book_several_sessions_stands_clear_of_the_sessions_below(page, server, viewport):
    shop = make_shop()
    order = place_paid_order(shop.package)
    page.set_viewport_size(viewport)
    page.goto(f"{server}/orders/{order.token}/")
    button = page.get_by_role("link", name="Book several sessions").bounding_box()
    first_card = page.locator(".order-sessions .list-card").first.bounding_box()
    assert first_card["y"] - (button["y"] + button["height"]) >= 8, "the button touches the first session's card"


def test_booking_step_labels_reach_four_and_a_half_to_one(phone_page, server):
    shop = make_shop()
    page = phone_page
    page.goto(f"{server}/{shop.owner.slug}/{shop.coaching.slug}/")
    check_page(page, J, "05-booking-steps")
    steps = page.locator(".steps li")
    assert steps.count() >= 3
    for index in range(steps.count()):
        ratio = steps.nth(index).evaluate(_CONTRAST_JS)
        assert ratio >= 4.5, f"step {steps.nth(index).inner_text()!r} has contrast {ratio:.2f}:1"


# Where a cell's text breaks inside a word (within one text node): [the text around each break].
_MID_WORD_BREAKS_JS = """
(el) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const chars = [];
  let full = '';
  while (walker.nextNode()) {
    const text = walker.currentNode;
    for (let i = 0; i < text.length; i++) {
      const range = document.createRange();
      range.setStart(text, i); range.setEnd(text, i + 1);
      const rect = range.getClientRects()[0];
      if (rect && rect.width > 0) chars.push([full.length + i, Math.round(rect.top)]);
    }
    full += text.data + '\\n';  // a line may break between two pieces (a <br>, another element)
  }
  const breaks = [];
  for (let i = 1; i < chars.length; i++) {
    const [before, top] = chars[i - 1], [after, next] = chars[i];
    if (next > top + 2 && !/[\\s\\-·]/.test(full.slice(before, after + 1))) {
      breaks.push(full.slice(Math.max(0, before - 6), after + 6));
    }
  }
  return breaks;
}
"""


def test_the_order_pages_sessions_and_ledger_wrap_between_words_on_a_phone(phone_page, server):
    """Each stacked cell is one line of text beside its label: a cell of several pieces (the
    status and who cancelled, what happened with its note) once laid them out as narrow columns,
    a letter or a syllable a line ("N o - s h o w", "clien t")."""
    shop = make_shop()
    Package.objects.filter(pk=shop.package.pk).update(cancel_window_hours=48, late_cancel_forfeits=True)
    order = place_paid_order(shop.package)
    item = order.items.get(meeting_type_name="Coaching session")
    now = timezone.now()
    start = available_slots(meeting_type=shop.coaching, range_start=now + timedelta(days=1),
                            range_end=now + timedelta(days=8))[0].start
    booking = order_session_book(item=item, start=start)
    booking_cancel(booking=booking, now=start - timedelta(hours=7))  # late: the session is used
    ledger_adjust(item=item, change=1, note="Make-up session for the snow day", by_user=shop.owner)
    page = phone_page
    log_in_as(page, server, shop.owner)
    page.goto(f"{server}/dashboard/orders/{order.pk}/")
    check_page(page, J, "08-order-ledger-phone")
    cells = page.locator('td[data-label="What happened"], td[data-label="Status"]')
    assert cells.count() >= 4
    broken = {cells.nth(n).inner_text(): cells.nth(n).evaluate(_MID_WORD_BREAKS_JS) for n in range(cells.count())}
    assert {text: breaks for text, breaks in broken.items() if breaks} == {}


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1280", "390"])
def test_the_order_pages_answers_heading_stands_apart_from_the_details(page, server, viewport):
    # "Your answers" sat flush under the last line of the order's details, a size larger than
    # "Policies", its sibling heading in the same card.
    shop = make_shop()
    order = place_paid_order(shop.package)
    page.set_viewport_size(viewport)
    page.goto(f"{server}/orders/{order.token}/")
    answers = page.get_by_role("heading", name="Your answers")
    policies = page.get_by_role("heading", name="Policies")
    expect(answers).to_be_visible()
    details_bottom = page.locator("dl.details").first.evaluate("(el) => el.getBoundingClientRect().bottom")
    assert answers.bounding_box()["y"] - details_bottom >= 12, "no space between the details and 'Your answers'"
    size = "(el) => getComputedStyle(el).fontSize"
    assert answers.evaluate(size) == policies.evaluate(size)


def test_the_pricing_cards_buttons_line_up_on_a_laptop(page, server):
    # In the public pages' 860 px column, "Start with Pro" and "Start with Team" broke onto two
    # lines, so the four buttons were of two heights.
    page.goto(f"{server}/pricing/")
    check_page(page, J, "10-pricing", h1="Plans and pricing")
    boxes = [button.bounding_box() for button in page.locator(".plan-card .plan-action").all()]
    assert len(boxes) == 4
    assert len({round(box["y"]) for box in boxes}) == 1 and len({round(box["height"]) for box in boxes}) == 1


def test_the_meeting_type_editors_kind_row_lines_up_its_boxes_on_a_laptop(page, server):
    # "Waitlist: hours to claim a freed seat (group only)" took two lines, so its box sat lower
    # than the Capacity box beside it.
    shop = make_shop()
    log_in_as(page, server, shop.owner)
    page.goto(f"{server}/dashboard/meeting-types/{shop.workshop.pk}/")
    check_page(page, J, "11-meeting-type-editor")
    capacity, claim = page.get_by_label("Capacity (seats, group only)"), page.get_by_label("Waitlist hours (group only)")
    assert round(capacity.bounding_box()["y"]) == round(claim.bounding_box()["y"])
