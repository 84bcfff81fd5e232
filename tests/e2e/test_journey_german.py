"""Journey: a German visitor books in German. The owner's booking page follows the visitor's
language; a browser that asks for German (de-DE) gets the personal page, the month picker, the
details form (a bad email refused in German beside the field), the confirmation and the emailed
confirmation in German, each page checked at 390 and 1280 px; the switcher turns the page to
Spanish and back without JavaScript."""
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from leadmonk.languages import VISITOR
from scheduling.models import Booking, BookingStatus
from tests.e2e.data import make_shop
from tests.e2e.helpers import LAPTOP, check_page, pick_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

J = "german"


@pytest.fixture
def german_page(browser, server):
    context = browser.new_context(viewport=LAPTOP, locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.server_errors, page.script_errors = [], []
    page.on("response", lambda r: r.status >= 500 and page.server_errors.append(f"{r.status} {r.url}"))
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    yield page
    errors, script_errors = list(page.server_errors), list(page.script_errors)
    context.close()
    assert not errors and not script_errors, (errors, script_errors)


def test_a_german_visitor_books_in_german(german_page, server):
    page = german_page
    shop = make_shop()
    shop.owner.page_language = VISITOR
    shop.owner.save()

    page.goto(f"{server}/{shop.owner.slug}/")
    check_page(page, J, "01-owner-page", h1="Casey Coach")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", name="Termin buchen")).to_be_visible()
    expect(page.get_by_text("Wählen Sie einen Termin, um eine Uhrzeit zu buchen.")).to_be_visible()
    expect(page.get_by_role("heading", name="Pakete")).to_be_visible()
    expect(page.get_by_text("Meine Buchungen finden")).to_be_visible()

    page.get_by_role("link", name=re.compile("Coaching session")).first.click()
    page.wait_for_url(re.compile(r"/coaching-session/"))
    check_page(page, J, "02-pick-a-date", h1="Coaching session")
    expect(page.get_by_role("heading", name="Datum wählen")).to_be_visible()
    expect(page.get_by_text("45 Min.").first).to_be_visible()
    expect(page.locator(".steps")).to_contain_text("1. Datum")
    expect(page.locator(".tz-line")).to_contain_text("Zeiten in")

    pick_time(page)
    check_page(page, J, "03-your-details", h1="Coaching session")
    expect(page.get_by_role("heading", name="Ihre Angaben")).to_be_visible()
    # A German date on a 24-hour clock: "Montag, 7. Dezember 2026, 14:00".
    # Letters spelled out, as in "März" (the browser's \w is ASCII only): a German weekday and month.
    expect(page.locator(".chosen-time")).to_have_text(
        re.compile(r"^(Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag), \d{1,2}\. "
                   r"(Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) "
                   r"\d{4}, \d{2}:\d{2}$"))

    page.get_by_label("Ihr Name").fill("Greta Gast")
    page.get_by_label("E-Mail").fill("greta-at-example")
    page.get_by_role("button", name="Buchung bestätigen").click()
    page.wait_for_load_state("load")
    check_page(page, J, "04-bad-email", h1="Coaching session")
    expect(page.locator("#id_client_email_error")).to_have_text("Geben Sie eine gültige E-Mail-Adresse ein.")
    assert not Booking.objects.exists()

    page.get_by_label("E-Mail").fill("greta@example.com")
    page.get_by_role("button", name="Buchung bestätigen").click()
    page.wait_for_url(re.compile(r"/bookings/[\w-]+/\?booked=1"))
    check_page(page, J, "05-confirmed", h1="Buchung bestätigt")
    expect(page.get_by_text("Ihre Buchung steht.")).to_be_visible()
    expect(page.get_by_role("heading", name="Brauchen Sie eine andere Uhrzeit?")).to_be_visible()
    expect(page.get_by_role("button", name="Buchung absagen")).to_be_visible()
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED and booking.client_language == "de"

    email = next(sent for sent in mail.outbox if sent.to == ["greta@example.com"])
    assert email.subject == "Bestätigt: Coaching session mit Casey Coach"
    assert "Hallo Greta Gast, Ihr Termin mit Casey Coach ist bestätigt." in email.body
    assert "Verschieben oder absagen:" in email.body
    assert re.search(r"\w+, \d{1,2}\. \w+ \d{4}, \d{2}:\d{2} – \d{2}:\d{2} \(Europe/Berlin\)", email.body)
    html = email.alternatives[0][0]
    assert '<html lang="de">' in html and "Ihr Termin ist bestätigt" in html

    # The switcher, a plain link: the same page in Spanish, then back in German.
    page.get_by_role("link", name="Español").click()
    page.wait_for_url(re.compile(r"/bookings/[\w-]+/"))
    check_page(page, J, "06-spanish", h1="Reserva confirmada")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_role("link", name="Deutsch").click()
    page.wait_for_load_state("load")
    expect(page.locator("h1")).to_have_text("Buchung bestätigt")
