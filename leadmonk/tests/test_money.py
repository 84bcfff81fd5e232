"""leadmonk.money: what a price's precision message reads in the page's language."""
import pytest
from django.utils import translation

from leadmonk import money


@pytest.mark.parametrize(("language", "currency", "message"), [
    ("en", "JPY", "JPY has no decimals."),
    ("en", "USD", "USD allows at most 2 decimals."),
    ("de", "JPY", "JPY hat keine Nachkommastellen."),
    ("de", "USD", "USD erlaubt höchstens 2 Nachkommastellen."),
    ("de", "BHD", "BHD erlaubt höchstens 3 Nachkommastellen."),
    ("es", "JPY", "JPY no tiene decimales."),
    ("es", "EUR", "EUR admite como máximo 2 decimales."),
])
def test_the_precision_message_reads_in_the_pages_language(language, currency, message):
    with translation.override(language):
        assert money.precision_message(currency) == message
