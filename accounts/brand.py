"""The coach's brand on the client's pages and emails: the colour rule (hex, and white button text
readable on it), the photo and logo re-encoded by Pillow, and `Brand`, the small picklable value the
cached public pages keep beside their HTML so the frame can paint them with no query."""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.plans import Plan

HEX_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# WCAG 2.x AA for normal text: the buttons' white label on the brand colour.
MIN_CONTRAST = 4.5
# An upload larger than this is refused before Pillow reads it.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Decompression bombs: a few KB of PNG can claim 20000 x 20000 pixels (1.6 GB once decoded). The
# header is read first and anything bigger than this is refused before any pixel is decoded.
MAX_IMAGE_PIXELS = 25_000_000
PHOTO_SIZE = 400  # the photo is at most 400 x 400 once resized
LOGO_SIZE = (600, 200)  # a logo is wide: at most 600 x 200
ACCEPTED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.04045 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_color: str) -> float:
    """WCAG 2.x relative luminance of "#RRGGBB" (0 black, 1 white)."""
    red, green, blue = (int(hex_color[index:index + 2], 16) for index in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_with_white(hex_color: str) -> float:
    return 1.05 / (relative_luminance(hex_color) + 0.05)


def clean_brand_color(value: str) -> str:
    """The colour as stored ("#1d4ed8", lower case), or ValidationError with the reason. Only the
    hex form is accepted: the value is written into a stylesheet, so nothing else may pass."""
    value = (value or "").strip()
    if not value:
        return ""
    if not HEX_COLOR_RE.match(value):
        raise ValidationError("Write the colour as # and six hex digits, for example #1d4ed8.")
    ratio = contrast_with_white(value)
    if ratio < MIN_CONTRAST:
        raise ValidationError(
            f"White button text on {value.lower()} has a contrast of {ratio:.2f}:1; it needs at least "
            f"{MIN_CONTRAST}:1 to be readable (WCAG AA). Choose a darker colour."
        )
    return value.lower()


class ImageRefused(ValidationError):
    pass


def clean_image(upload, *, max_size: tuple[int, int], name: str) -> ContentFile:
    """The upload as a new PNG (or JPEG for photos without transparency) no larger than `max_size`,
    with none of the original's metadata (EXIF, GPS, comments): only the pixels are copied.
    Raises ImageRefused with a reason a person understands."""
    if upload.size > MAX_IMAGE_BYTES:
        raise ImageRefused(
            f"This file is {upload.size / (1024 * 1024):.1f} MB; the limit is {MAX_IMAGE_BYTES // (1024 * 1024)} MB."
        )
    upload.seek(0)
    head = upload.read(512).lstrip()
    upload.seek(0)
    if head[:5].lower() in (b"<?xml", b"<svg ", b"<svg>") or b"<svg" in head.lower():
        raise ImageRefused("SVG files are not accepted (they can carry scripts). Upload a PNG, JPEG, GIF or WebP.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)  # reads the header only
            if image.format not in ACCEPTED_FORMATS:
                raise ImageRefused("Upload a PNG, JPEG, GIF or WebP image.")
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageRefused(
                    f"This image claims {width} x {height} pixels, too many to open safely. "
                    "Upload an image under 5000 x 5000 pixels."
                )
            image.load()
            # A phone keeps a portrait photo as landscape pixels and an EXIF note to turn them; the
            # note goes with the other metadata below, so turn the pixels first.
            image = ImageOps.exif_transpose(image)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("This image claims too many pixels to open safely. "
                           "Upload an image under 5000 x 5000 pixels.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageRefused("This file is not an image we can read. Upload a PNG, JPEG, GIF or WebP.") from None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail(max_size, Image.Resampling.LANCZOS)
    # A new image of the same pixels: nothing of the original's info (EXIF, XMP, ICC, text chunks)
    # comes along.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        extension = "png"
    else:
        clean.save(out, format="JPEG", quality=88, optimize=True)
        extension = "jpg"
    return ContentFile(out.getvalue(), name=f"{name}.{extension}")


def absolute_media_url(url: str) -> str:
    """An email needs the whole address; an object store's URL already is one."""
    return url if "://" in url else f"{settings.SITE_URL}{url}"


@dataclass(frozen=True)
class Brand:
    """What the client's pages and emails show of an owner. Picklable: the cached pages keep it."""

    name: str
    color: str = ""
    photo_url: str = ""
    logo_url: str = ""
    show_leadmonk: bool = True

    @property
    def initial(self) -> str:
        return (self.name[:1] or "?").upper()


def brand_of(owner, *, absolute: bool = False) -> Brand | None:
    """The brand of `owner` (None for no owner: the product's own pages); `absolute`: with whole
    addresses, as an email needs them."""
    if owner is None:
        return None
    brand = Brand(
        name=owner.business_name or owner.display_name or owner.slug or "",
        # Checked again where it is written into a stylesheet: a value set around the form (admin,
        # shell) that is not plain hex is not used.
        color=owner.brand_color if HEX_COLOR_RE.match(owner.brand_color or "") else "",
        photo_url=owner.photo.url if owner.photo else "",
        logo_url=owner.logo.url if owner.logo else "",
        show_leadmonk=owner.plan == Plan.FREE,
    )
    if absolute:
        brand = replace(brand, photo_url=brand.photo_url and absolute_media_url(brand.photo_url),
                        logo_url=brand.logo_url and absolute_media_url(brand.logo_url))
    return brand
