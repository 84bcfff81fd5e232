"""A membership's price on the client's pages reads in the page's language, period included."""
from decimal import Decimal

import pytest
from django.urls import reverse

from packages.models import BillingInterval
from tests import make_meeting_type, make_package


@pytest.mark.parametrize(("language", "monthly", "every_two_weeks"), [
    ("en", "a month", "every 2 weeks"),
    ("de", "pro Monat", "alle 2 Wochen"),
    ("es", "al mes", "cada 2 semanas"),
])
def test_a_membership_on_a_german_or_spanish_booking_page_says_how_often_it_is_billed_in_that_language(
        client, owner, language, monthly, every_two_weeks):
    owner.page_language = language
    owner.save(update_fields=["page_language"])
    coaching = make_meeting_type(owner, name="Coaching", duration_minutes=60)
    make_package(owner, items=[(coaching, 4)], name="Monthly coaching", price=Decimal("80.00"),
                 billing_interval=BillingInterval.MONTH)
    make_package(owner, items=[(coaching, 2)], name="Fortnightly coaching", price=Decimal("50.00"),
                 billing_interval=BillingInterval.WEEK, billing_interval_count=2)

    page = client.get(reverse("public:owner_page", args=[owner.slug])).content.decode()

    assert monthly in page and every_two_weeks in page
    if language != "en":
        assert " a month" not in page and "every 2 weeks" not in page
