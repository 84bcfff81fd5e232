"""The list of an order's invoices on the client's order page speaks the page's language."""
import pytest
import time_machine

from invoices.tests.helpers import paid_order
from payments.models import Provider
from tests import NOW

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "issued_on"), [("en", "1 Dec 2026"), ("de", "1. Dez 2026"),
                                                     ("es", "1 Dic 2026")])
def test_a_german_or_spanish_order_page_dates_its_invoices_in_that_language(client, owner, language, issued_on):
    owner.page_language = language
    owner.save(update_fields=["page_language"])
    with time_machine.travel(NOW, tick=False):
        order, _ = paid_order(owner, price="120.00", currency="EUR", provider=Provider.TEST)

        page = client.get(f"/orders/{order.token}/").content.decode()

    listed = page[page.index('id="invoices"'):]
    assert issued_on in listed
    if language != "en":
        assert "1 Dec 2026" not in listed
