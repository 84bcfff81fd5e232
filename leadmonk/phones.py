"""The one rule for a mobile number a person types (booking page, order form): valid for its
country, stored as E.164 so SMS and opt-outs (STOP) match the same string. Typed with its country
code, or as people write it at home ("312 555 0199") when the page knows the visitor's zone: the
zone's country (tzdata's zone.tab) says how to read it."""
from functools import lru_cache
from importlib.resources import files

import phonenumbers
from django import forms

from leadmonk.languages import translatable as _

MOBILE_NEEDS_COUNTRY_CODE = _("Enter the number with its country code, e.g. +1 415 555 0100")
MOBILE_INVALID = _("Enter a valid mobile number, e.g. +1 415 555 0100.")


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """{"America/Chicago": "US", "Europe/Berlin": "DE", ...} from the IANA database's zone.tab."""
    countries = {}
    for line in files("tzdata").joinpath("zoneinfo/zone.tab").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, _coordinates, zone, *_comment = line.split("\t")
            countries[zone] = code
    return countries


def region_for_zone(zone: str | None) -> str | None:
    """The country ("US") whose numbers a visitor in `zone` ("America/Chicago") writes, or None."""
    return _zone_countries().get(zone or "")


def normalize_mobile(value: str, *, zone: str | None = None) -> str:
    """A mobile number as E.164 ('+14155550100'); raises ValidationError in words a client understands.

    "00" is the international prefix most of the world dials, so "0044..." means "+44...". A number
    without its country code is read as the country of the visitor's `zone` writes it; without a
    zone (or one of no country, such as UTC) it is ambiguous, so it is refused.
    """
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    region = None
    if not text.startswith("+"):
        region = region_for_zone(zone)
        if region is None:
            raise forms.ValidationError(MOBILE_NEEDS_COUNTRY_CODE)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise forms.ValidationError(MOBILE_INVALID) from None
    if not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(MOBILE_INVALID)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
