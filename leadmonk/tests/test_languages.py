"""The client's language: the owner chooses it in Settings (a fixed one, or the visitor's from
Accept-Language with a switcher), every cached public page is kept per language, client messages
speak the language the client booked in, and the dashboard stays in English."""
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from leadmonk.languages import VISITOR
from leadmonk.money import format_money
from orders.models import PackageOrder
from scheduling.models import Booking
from scheduling.selectors import format_slot_start
from tests import NINE_AM, NOW, WEEKDAYS_9_TO_5, make_meeting_type, make_package, set_weekly_hours

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9,en;q=0.5"}
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def intro(owner):
    set_weekly_hours(owner, WEEKDAYS_9_TO_5)
    return make_meeting_type(owner, name="Intro call", slug="intro")


def follows_visitor(owner: User) -> User:
    owner.page_language = VISITOR
    owner.save()
    return owner


def page(path: str, **headers) -> str:
    response = Client().get(path, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_an_owner_who_chose_nothing_keeps_english_pages_for_a_german_browser(owner, intro):
    html = page("/coach/", **GERMAN)
    assert "Book a meeting" in html and "Termin buchen" not in html
    assert '<html lang="en">' in html
    assert "language-switcher" not in html


def test_a_page_that_follows_the_visitor_speaks_german_to_a_german_browser(owner, intro):
    follows_visitor(owner)
    html = page("/coach/", **GERMAN)
    assert '<html lang="de">' in html
    assert "Termin buchen" in html and "Wählen Sie einen Termin, um eine Uhrzeit zu buchen." in html
    assert "Meine Buchungen finden" in html  # the footer
    assert 'class="language-switcher"' in html and 'href="/language/es/?next=/coach/"' in html
    assert "Book a meeting" in page("/coach/", **ENGLISH)


@pytest.mark.parametrize("path", ["/coach/", "/coach/intro/", "/coach/intro/?fragment=picker"])
def test_a_german_visitor_never_gets_the_english_cached_page_and_the_other_way_round(owner, intro, path):
    follows_visitor(owner)
    english, german, spanish = page(path, **ENGLISH), page(path, **GERMAN), page(path, **SPANISH)
    # The same address, just cached by the visits before: each language keeps its own entry.
    assert page(path, **ENGLISH) == english
    assert page(path, **GERMAN) == german
    assert page(path, **SPANISH) == spanish
    assert english != german != spanish
    word = {"/coach/": ("Book a meeting", "Termin buchen", "Reservar una reunión"),
            "/coach/intro/": ("Pick a date", "Datum wählen", "Elija una fecha"),
            "/coach/intro/?fragment=picker": ("Next month", "Nächster Monat", "Mes siguiente")}[path]
    assert word[0] in english and word[1] not in english
    assert word[1] in german and word[0] not in german
    assert word[2] in spanish


def test_the_package_page_is_cached_per_language_too(owner, intro):
    follows_visitor(owner)
    package = make_package(owner, name="Five calls", items=[(intro, 5)], price=Decimal("400.00"), currency="EUR")
    path = f"/coach/packages/{package.slug}/"
    for _ in range(2):  # a miss, then a hit
        german, english = page(path, **GERMAN), page(path, **ENGLISH)
        assert "Enthaltene Termine" in german and "400,00 €" in german and "Sessions included" not in german
        assert "Sessions included" in english and "400.00 EUR" in english


def test_an_owner_who_fixed_german_shows_german_to_everyone_without_a_switcher(owner, intro):
    owner.page_language = "de"
    owner.save()
    for headers in (ENGLISH, SPANISH, {}):
        html = page("/coach/", **headers)
        assert "Termin buchen" in html
        assert "language-switcher" not in html


def test_the_switcher_sets_a_cookie_and_comes_back_without_javascript(owner, intro):
    follows_visitor(owner)
    browser = Client(**GERMAN)
    response = browser.get("/language/es/?next=/coach/intro/")
    assert response.status_code == 302 and response["Location"] == "/coach/intro/"
    assert response.cookies["django_language"].value == "es"
    html = browser.get("/coach/intro/").content.decode()
    assert "Elija una fecha" in html and '<html lang="es">' in html


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_the_switcher_never_leaves_the_site(next_url):
    response = Client().get("/language/de/", {"next": next_url})
    assert response["Location"] == "/"


def test_an_unknown_language_changes_nothing():
    response = Client().get("/language/fr/?next=/my/")
    assert response["Location"] == "/my/" and "django_language" not in response.cookies


def test_a_german_booking_is_answered_and_confirmed_in_german(owner, intro, django_capture_on_commit_callbacks):
    follows_visitor(owner)
    browser = Client(**GERMAN)
    data = {"client_name": "Greta Gast", "client_email": "not-an-email", "client_phone": "",
            "client_timezone": "Europe/Berlin", "start": format_slot_start(NINE_AM)}
    refused = browser.post("/coach/intro/", data).content.decode()
    assert "Geben Sie eine gültige E-Mail-Adresse ein." in refused  # Django's own German, beside the field
    assert not Booking.objects.exists()

    data["client_email"] = "greta@example.com"
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/coach/intro/", data)
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.client_language == "de"
    confirmation = browser.get(response["Location"]).content.decode()
    assert "Buchung bestätigt" in confirmation and "Montag, 7. Dezember 2026" in confirmation

    [email] = [sent for sent in mail.outbox if sent.to == ["greta@example.com"]]
    assert email.subject == "Bestätigt: Intro call mit Casey Coach"
    assert "Hallo Greta Gast, Ihr Termin mit Casey Coach ist bestätigt." in email.body
    assert "Montag, 7. Dezember 2026, 15:00 – 15:30 (Europe/Berlin)" in email.body
    html = email.alternatives[0][0]
    assert '<html lang="de">' in html and "Verschieben oder absagen" in html
    # The owner's notice stays in English (the dashboard's language).
    [notice] = [sent for sent in mail.outbox if sent.to == [owner.email]]
    assert notice.subject.startswith("Confirmed: Intro call with Greta Gast")


def test_an_order_keeps_the_language_it_was_placed_in(owner, intro, django_capture_on_commit_callbacks):
    follows_visitor(owner)
    package = make_package(owner, name="Five calls", items=[(intro, 5)], price=Decimal("0"))
    with django_capture_on_commit_callbacks(execute=True):
        response = Client(**SPANISH).post(f"/coach/packages/{package.slug}/", {
            "first_name": "Sofía", "last_name": "Sanz", "full_name": "Sofía Sanz", "email": "sofia@example.com",
            "client_timezone": "Europe/Madrid"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PackageOrder.objects.get().client_language == "es"
    [email] = [sent for sent in mail.outbox if sent.to == ["sofia@example.com"]]
    assert email.subject == "Su pedido: Five calls"


def test_the_dashboard_stays_in_english(owner_client, owner):
    follows_visitor(owner)
    html = owner_client.get("/dashboard/settings/", **GERMAN).content.decode()
    assert "Settings" in html and "Einstellungen" not in html and '<html lang="en">' in html


def test_the_owner_chooses_the_language_in_settings(owner_client, owner):
    html = owner_client.get("/dashboard/settings/").content.decode()
    assert "Booking page language" in html and "The visitor&#x27;s language" in html
    data = {"display_name": owner.display_name, "slug": owner.slug, "timezone": owner.timezone,
            "notify_owner_by_email": "on", "page_language": "klingon"}
    response = owner_client.post("/dashboard/settings/", data)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    owner.refresh_from_db()
    assert owner.page_language == "en"
    response = owner_client.post("/dashboard/settings/", {**data, "page_language": VISITOR})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.page_language == VISITOR


def test_error_pages_speak_the_visitors_language(db):
    html = Client(**SPANISH).get("/no-such-owner/").content.decode()
    assert "No encontramos esa página" in html
    html = Client(**GERMAN).get("/dashboard/no-such-page/").content.decode()
    assert "We can’t find that page" in html


def test_amounts_are_written_for_the_language():
    with translation.override("de"):
        assert format_money(Decimal("1200"), "EUR") == "1.200,00 €"
        assert format_money(Decimal("400"), "USD") == "400,00 $"
    with translation.override("es"):
        assert format_money(Decimal("400"), "EUR") == "400,00 €"
    with translation.override("en"):
        assert format_money(Decimal("400"), "USD") == "400.00 USD"


def test_the_portal_follows_the_visitor(db):
    html = page(reverse("portal:home"), **GERMAN)
    assert "Meine Buchungen finden" in html and 'class="language-switcher"' in html


def test_the_clients_invoice_page_speaks_the_page_language(owner):
    from payments.services import IssueMode, order_issue

    owner.page_language = "de"
    owner.save()
    package = make_package(owner, price=Decimal("200.00"), currency="EUR")
    order = order_issue(owner=owner, package=package, client_name="Walk In", client_email="walkin@example.com",
                        mode=IssueMode.PAID_OUTSIDE, note="cash")
    invoice = order.invoices.get()
    html = page(f"/orders/{order.token}/invoices/{invoice.number}/", **ENGLISH)
    assert f"Rechnung {invoice.number}" in html and "Rechnungsempfänger" in html and "Zwischensumme" in html
    assert "200,00 €" in html and "1. Dezember 2026" in html
    order_page = page(f"/orders/{order.token}/", **ENGLISH)
    assert "Ihre Termine" in order_page and "Rechnungen" in order_page


def test_a_cached_fragment_is_kept_per_language(owner):
    from leadmonk.content_version import cached_fragment

    def render() -> str:
        return translation.gettext("Pick a date")

    with translation.override("de"):
        assert cached_fragment(owner_id=owner.pk, name="words", render=render) == "Datum wählen"
    with translation.override("es"):
        assert cached_fragment(owner_id=owner.pk, name="words", render=render) == "Elija una fecha"
    with translation.override("en"):
        assert cached_fragment(owner_id=owner.pk, name="words", render=render) == "Pick a date"
    with translation.override("de"):  # a hit: still the German entry
        assert cached_fragment(owner_id=owner.pk, name="words", render=lambda: "not rendered") == "Datum wählen"


def test_the_team_page_is_cached_per_language_and_follows_its_owner(owner):
    from tests import make_team

    make_team(owner, slug="acme")
    follows_visitor(owner)
    for _ in range(2):  # a miss, then a hit
        german, english = page("/team/acme/", **GERMAN), page("/team/acme/", **ENGLISH)
        assert '<html lang="de">' in german and ("Termin buchen" in german or "Keine Buchungen möglich" in german)
        assert '<html lang="en">' in english and ("Book a meeting" in english or "Not taking bookings" in english)


def test_the_checkout_writes_the_tax_in_the_page_language(owner, intro):
    from tests import make_order

    owner.page_language = "de"
    owner.save()
    order = make_order(owner, intro, price="1250.00", currency="EUR", tax_rate=Decimal("7.5"),
                       tax_added=Decimal("93.75"), tax_name="Tax", prices_include_tax=False)
    html = page(f"/payments/checkout/{order.token}/", **ENGLISH)
    assert "<dt>Steuer 7,5 %</dt><dd>93,75 €</dd>" in html
    assert "Tax" not in html and "7.5" not in html


def test_the_clients_invoice_writes_its_tax_rate_in_the_page_language(owner):
    from invoices.models import InvoiceSettings
    from payments.services import IssueMode, order_issue

    owner.page_language = "es"
    owner.save()
    InvoiceSettings.objects.create(owner=owner, tax_rate=Decimal("7.5"), prices_include_tax=True)
    package = make_package(owner, price=Decimal("200.00"), currency="EUR")
    order = order_issue(owner=owner, package=package, client_name="Walk In", client_email="walkin@example.com",
                        mode=IssueMode.PAID_OUTSIDE, note="cash")
    html = page(f"/orders/{order.token}/invoices/{order.invoices.get().number}/", **ENGLISH)
    assert "Impuesto 7,5 % (incluido)" in html and "7.5" not in html
    assert "Pagado el 1 de diciembre de 2026 · Pagado fuera de la aplicación" in html


def _unfolded(ics) -> str:
    text = ics.decode() if isinstance(ics, bytes) else ics
    return text.replace("\r\n ", "").replace("\\,", ",")


def test_a_german_clients_calendar_links_and_files_speak_german(owner, intro, django_capture_on_commit_callbacks):
    from scheduling.services import booking_cancel, booking_create

    owner.page_language = "de"
    owner.save()
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_create(meeting_type=intro, start=NINE_AM, client_name="Greta Gast",
                                 client_email="greta@example.com", client_timezone="Europe/Berlin")
    [email] = [sent for sent in mail.outbox if sent.to == ["greta@example.com"]]
    html = email.alternatives[0][0]
    assert "text=Intro+call+mit+Casey+Coach" in html and "subject=Intro+call+mit+Casey+Coach" in html
    assert "details=Verschieben+oder+absagen" in html and "Reschedule+or+cancel" not in html
    invite = _unfolded(next(content for name, content, _type in email.attachments if name == "invite.ics"))
    assert "SUMMARY:Intro call mit Casey Coach" in invite
    assert f"DESCRIPTION:Verschieben oder absagen: http://127.0.0.1:8000/bookings/{booking.token}/" in invite
    # The owner's notice and invitation stay in English.
    [notice] = [sent for sent in mail.outbox if sent.to == [owner.email]]
    owners = _unfolded(next(content for name, content, _type in notice.attachments if name == "invite.ics"))
    assert "SUMMARY:Intro call with Casey Coach" in owners and "Reschedule or cancel: " in owners

    # The file from the booking's page follows the page's language, whatever the browser asks.
    download = _unfolded(Client(**ENGLISH).get(f"/bookings/{booking.token}/calendar.ics").content)
    assert "SUMMARY:Intro call mit Casey Coach" in download and "Verschieben oder absagen: " in download
    booking_cancel(booking=booking)
    cancelled = _unfolded(Client(**ENGLISH).get(f"/bookings/{booking.token}/calendar.ics").content)
    assert "DESCRIPTION:Dieser Termin wurde abgesagt." in cancelled


def test_the_default_tax_is_named_in_the_page_language_on_the_package_and_order_pages(owner, intro):
    from invoices.models import InvoiceSettings
    from orders.models import OrderStatus
    from tests import make_order

    owner.page_language = "de"
    owner.save()
    InvoiceSettings.objects.create(owner=owner, tax_rate=Decimal("7.5"), prices_include_tax=False)  # named "Tax"
    package = make_package(owner, name="Ten calls", items=[(intro, 10)], price=Decimal("1250.00"), currency="EUR")
    html = page(f"/coach/packages/{package.slug}/", **ENGLISH)
    assert "zuzüglich 7,5 % Steuer: 93,75 €, gesamt 1.343,75 €" in html and "% Tax" not in html
    order = make_order(owner, intro, price="1250.00", currency="EUR", tax_rate=Decimal("7.5"), status=OrderStatus.ACTIVE,
                       tax_added=Decimal("93.75"), tax_name="Tax", prices_include_tax=False)
    html = page(f"/orders/{order.token}/", **ENGLISH)
    assert "zuzüglich 7,5 % Steuer: 93,75 €" in html and "% Tax" not in html


def test_an_owners_own_tax_name_is_shown_as_written(owner, intro):
    from invoices.models import InvoiceSettings

    owner.page_language = "es"
    owner.save()
    InvoiceSettings.objects.create(owner=owner, tax_rate=Decimal("21"), prices_include_tax=False, tax_name="IVA")
    package = make_package(owner, name="Ten calls", items=[(intro, 10)], price=Decimal("100.00"), currency="EUR")
    html = page(f"/coach/packages/{package.slug}/", **ENGLISH)
    assert "más 21 % de IVA: 21,00 €, total 121,00 €" in html
