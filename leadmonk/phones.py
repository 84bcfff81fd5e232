"""The one rule for a mobile number a person types (booking page, order form): with its country
code, valid for that country, stored as E.164 so SMS and opt-outs (STOP) match the same string."""
import phonenumbers
from django import forms

MOBILE_NEEDS_COUNTRY_CODE = "Enter the number with its country code, e.g. +1 415 555 0100"
MOBILE_INVALID = "Enter a valid mobile number, e.g. +1 415 555 0100."


def normalize_mobile(value: str) -> str:
    """A mobile number as E.164 ('+14155550100'); raises ValidationError in words a client understands.

    "00" is the international prefix most of the world dials, so "0044..." means "+44...". A
    number without its country code is ambiguous (no default region), so it is refused.
    """
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        raise forms.ValidationError(MOBILE_NEEDS_COUNTRY_CODE)
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise forms.ValidationError(MOBILE_INVALID) from None
    if not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(MOBILE_INVALID)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
