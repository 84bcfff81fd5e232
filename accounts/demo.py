"""Demo data of the coach's brand: the demo owner gets a photo (drawn here with Pillow: no file from
anywhere else), a bio, a business name and a brand colour, so `make run` shows a branded page; and
the booking page follows the visitor's language (English, German or Spanish, with the switcher)."""
import io

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from accounts.brand import PHOTO_SIZE
from leadmonk.languages import VISITOR

BRAND_COLOR = "#0f766e"  # teal: white text on it is 5.5:1
BUSINESS_NAME = "Dana Demo Coaching"
BIO = ("Leadership coach for first-time managers. Ten years of helping people find their voice at work.\n"
       "Sessions are friendly, practical and on video.")


def _portrait() -> bytes:
    """A simple avatar: a teal disc with a head and shoulders."""
    image = Image.new("RGB", (PHOTO_SIZE, PHOTO_SIZE), (204, 240, 235))
    draw = ImageDraw.Draw(image)
    draw.ellipse((145, 80, 255, 190), fill=(15, 118, 110))
    draw.ellipse((80, 210, 320, 450), fill=(15, 118, 110))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def seed(owner) -> None:
    owner.business_name, owner.bio, owner.brand_color = BUSINESS_NAME, BIO, BRAND_COLOR
    owner.page_language = VISITOR
    if not owner.photo:
        owner.photo.save("photo.png", ContentFile(_portrait()), save=False)
    owner.save()
