"""The coach's brand (Settings › Profile): a photo and a logo checked and re-encoded, a bio shown as
text, a business name, and a brand colour readable under white text; the client's pages and emails
show them, and "Scheduling by Leadmonk" only on the Free plan."""
import io
import re
import struct
import zlib

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.brand import clean_brand_color, contrast_with_white
from accounts.plans import Plan
from notifications import services as notification_services
from notifications.tests.conftest import make_booking
from tests import NOW, make_meeting_type

SETTINGS_URL = reverse("accounts:settings")
PAGE = "/coach/"


def _form_data(**overrides) -> dict:
    data = {"display_name": "Casey Coach", "slug": "coach", "timezone": "America/New_York",
            "notify_owner_by_email": "on", "business_name": "", "bio": "", "brand_color": ""}
    data.update(overrides)
    return data


def _png(size=(1200, 800), color=(30, 90, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def _jpeg_with_gps(size=(1600, 1200)) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (41.0, 52.0, 0.0), 3: "W", 4: (87.0, 37.0, 0.0)}  # GPSInfo: Chicago
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _bomb_png(width=30000, height=30000) -> bytes:
    """A valid PNG of 1 x 1 whose header claims width x height: a few bytes that would decode to
    gigabytes. Only the header is rewritten (with its CRC), as a crafted bomb would be."""
    data = bytearray(_png((1, 1)))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


def _upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _field_errors(response, field: str) -> str:
    return " ".join(response.context["form"].errors.get(field, []))


def _assert_error_beside(response, field: str, words: str) -> None:
    assert response.status_code == 200
    assert words in _field_errors(response, field)
    html = response.content.decode()
    # Rendered in the field's own block, right after its input.
    block = re.search(rf'<input[^>]*name="{field}".*?</div>', html, re.S).group(0)
    assert "field-errors" in block


def test_a_photo_is_resized_and_stripped_of_its_location(owner_client, owner):
    response = owner_client.post(SETTINGS_URL, {**_form_data(), "photo": _upload("me.jpg", _jpeg_with_gps(),
                                                                                   "image/jpeg")})

    assert response.status_code == 302
    owner.refresh_from_db()
    with owner.photo.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
    assert max(image.size) == 400 and image.size == (400, 300)
    assert dict(image.getexif()) == {}  # no camera, no GPS
    assert "exif" not in image.info


def test_a_phone_photo_stands_the_way_it_was_taken(owner_client, owner):
    """A phone stores a portrait photo as landscape pixels plus an EXIF "rotate" note; dropping the
    metadata must not drop the rotation, or the coach's face shows on its side."""
    image = Image.new("RGB", (1600, 1200), (200, 120, 40))
    image.paste((0, 0, 0), (0, 0, 800, 1200))  # the left half dark: the top half once turned
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to show
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)

    response = owner_client.post(SETTINGS_URL, {**_form_data(), "photo": _upload("me.jpg", out.getvalue(),
                                                                                   "image/jpeg")})

    assert response.status_code == 302
    owner.refresh_from_db()
    with owner.photo.open("rb") as stored:
        saved = Image.open(io.BytesIO(stored.read()))
        saved.load()
    assert saved.size == (300, 400)  # portrait, as the phone showed it
    assert saved.getpixel((150, 50))[0] < 60 and saved.getpixel((150, 350))[0] > 150
    assert dict(saved.getexif()) == {}


def test_replacing_the_photo_deletes_the_old_file(owner_client, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(SETTINGS_URL, {**_form_data(), "photo": _upload("a.png", _png())})
    owner.refresh_from_db()
    first = owner.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(SETTINGS_URL, {**_form_data(), "photo": _upload("b.png", _png(color=(0, 0, 0)))})
    owner.refresh_from_db()
    assert owner.photo.name != first
    assert owner.photo.storage.exists(owner.photo.name)
    assert not owner.photo.storage.exists(first)


@pytest.mark.parametrize(("upload", "words"), [
    (_upload("notes.png", b"just some text, not pixels"), "not an image we can read"),
    (_upload("big.png", b"\x89PNG" + b"\0" * (30 * 1024 * 1024), "image/png"), "the limit is 5 MB"),
    (_upload("bomb.png", _bomb_png()), "too many"),
    (_upload("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
             "image/svg+xml"), "SVG files are not accepted"),
], ids=["not-an-image", "30-mb", "decompression-bomb", "svg"])
def test_a_bad_photo_is_refused_beside_the_field_and_nothing_is_saved(owner_client, owner, upload, words):
    response = owner_client.post(SETTINGS_URL, {**_form_data(display_name="Changed", bio="New bio"),
                                                "photo": upload})

    _assert_error_beside(response, "photo", words)
    owner.refresh_from_db()
    assert not owner.photo and owner.display_name == "Casey Coach" and owner.bio == ""


def test_a_bad_logo_is_refused_the_same_way(owner_client, owner):
    response = owner_client.post(SETTINGS_URL, {**_form_data(), "logo": _upload("x.png", b"nope")})

    _assert_error_beside(response, "logo", "not an image we can read")
    owner.refresh_from_db()
    assert not owner.logo


@pytest.mark.parametrize(("value", "words"), [
    ("red; background:url(https://evil.example/x)", "six hex digits"),
    ("#12345", "six hex digits"),
    ("#ffcc00", "contrast of 1.51:1"),  # yellow: white text on it is unreadable
    ("#6b9bd1", "needs at least 4.5:1"),
], ids=["css-injection", "short", "yellow", "light-blue"])
def test_a_bad_brand_colour_is_refused_with_the_reason(owner_client, owner, value, words):
    response = owner_client.post(SETTINGS_URL, _form_data(brand_color=value, display_name="Changed"))

    _assert_error_beside(response, "brand_color", words)
    owner.refresh_from_db()
    assert owner.brand_color == "" and owner.display_name == "Casey Coach"


def test_the_contrast_rule_matches_wcag_examples():
    assert contrast_with_white("#000000") == pytest.approx(21.0)
    assert contrast_with_white("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest AA grey
    assert clean_brand_color("#767676") == "#767676"
    assert clean_brand_color(" #1D4ED8 ") == "#1d4ed8"
    assert clean_brand_color("") == ""


def test_the_brand_shows_on_the_booking_page_and_a_cache_hit_reads_nothing(
        client, owner_client, owner, django_assert_num_queries):
    make_meeting_type(owner, name="Coaching call", slug="coaching")
    response = owner_client.post(SETTINGS_URL, {
        **_form_data(brand_color="#0F766E", business_name="Casey Coaching Ltd",
                     bio="Coach for <b>founders</b>.\nTen years."),
        "photo": _upload("me.png", _png()),
    })
    assert response.status_code == 302
    owner.refresh_from_db()
    client.logout()

    html = client.get(PAGE).content.decode()
    assert re.search(r'<style nonce="[^"]+">:root \{ --brand: #0f766e;', html)
    assert f'src="{owner.photo.url}"' in html
    assert "Coach for &lt;b&gt;founders&lt;/b&gt;.<br>Ten years." in html and "<b>founders" not in html
    assert "Casey Coaching Ltd" in html
    with django_assert_num_queries(0):  # a hit: the frame's brand comes from the cache too
        again = client.get(PAGE).content.decode()
    assert "--brand: #0f766e" in again
    book = client.get(f"{PAGE}coaching/").content.decode()
    assert "--brand: #0f766e" in book and f'src="{owner.photo.url}"' in book


def test_scheduling_by_leadmonk_shows_on_the_free_plan_only(client, owner):
    make_meeting_type(owner, name="Coaching call", slug="coaching")
    assert "Scheduling by" not in client.get(PAGE).content.decode()  # Team plan
    owner.plan = Plan.FREE
    owner.save()
    cache.clear()
    assert "Scheduling by" in client.get(PAGE).content.decode()


def test_a_colour_set_around_the_form_is_not_written_into_the_page(client, owner):
    make_meeting_type(owner, name="Coaching call", slug="coaching")
    owner.brand_color = "red;}a{"  # seven characters, the column's width
    owner.save()
    html = client.get(PAGE).content.decode()
    assert "red;}" not in html and "--brand:" not in html


def test_emails_carry_the_logo_business_name_and_colour(owner, django_capture_on_commit_callbacks):
    coaching = make_meeting_type(owner, name="Coaching session", slug="coaching-session")
    owner.business_name, owner.brand_color = "Casey Coaching Ltd", "#0f766e"
    owner.logo.save("logo.png", io.BytesIO(_png((600, 200))), save=False)
    owner.save()
    with time_machine.travel(NOW, tick=False):
        booking = make_booking(coaching)
        with django_capture_on_commit_callbacks(execute=True):
            notification_services.notify_booking_confirmed(booking=booking)

    client_email = next(m for m in mail.outbox if m.to == ["dana@example.com"])
    [(html, _)] = client_email.alternatives
    assert f'<img src="http://127.0.0.1:8000{owner.logo.url}" alt="Casey Coaching Ltd"' in html
    assert "background:#0f766e" in html  # the button
    assert "&nbsp;Leadmonk</p>" not in html
    assert "Sent on behalf of Casey Coach." in html  # not Free: no "by Leadmonk"
