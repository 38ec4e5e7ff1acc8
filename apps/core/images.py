"""Uploaded photos: proven to be images, re-encoded, stripped of EXIF and GPS data.

Re-encoding from decoded pixels is what removes metadata: nothing of the original file but
its pixels reaches storage."""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


@dataclass(frozen=True)
class ProcessedImage:
    content: ContentFile
    width: int
    height: int


def _too_large_message(max_bytes: int) -> str:
    return _("Das Bild ist zu groß (höchstens %(mb)s MB).") % {"mb": max_bytes // (1024 * 1024)}


def process_image(
    upload, *, max_bytes: int, max_side: int = 1600, square: bool = False
) -> ProcessedImage:
    """Validate an uploaded file and return a clean JPEG of at most max_side pixels a side.

    Raises ValidationError for anything that is not a sound image within the limits."""
    if upload is None:
        raise ValidationError(_("Bitte ein Bild auswählen."))
    size = getattr(upload, "size", None)
    if size is None or size > max_bytes:
        raise ValidationError(_too_large_message(max_bytes))
    if size == 0:
        raise ValidationError(_("Die Datei ist leer."))
    max_pixels = settings.IMAGE_MAX_PIXELS
    try:
        upload.seek(0)
        data = upload.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ValidationError(_too_large_message(max_bytes))
        with warnings.catch_warnings():
            # Pillow only warns between the pixel limit and twice it; refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise ValidationError(
                        _("Bitte ein Foto als JPEG, PNG, WebP oder GIF hochladen.")
                    )
                if probe.width * probe.height > max_pixels:
                    raise ValidationError(_("Das Bild hat zu viele Bildpunkte."))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image = _flatten(image)
                if square:
                    image = ImageOps.fit(image, (max_side, max_side), Image.Resampling.LANCZOS)
                else:
                    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                image.save(out, format="JPEG", quality=85, optimize=True)
                width, height = image.size
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(_("Das Bild hat zu viele Bildpunkte.")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValidationError(_("Die Datei ist kein gültiges Bild.")) from exc
    return ProcessedImage(content=ContentFile(out.getvalue()), width=width, height=height)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no transparency, and palette images must not turn black."""
    if image.mode in {"RGBA", "LA", "P", "PA"}:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


PHOTO_SIDE = 1600
THUMBNAIL_SIDE = 480


def process_photos(uploads, *, max_bytes: int, errors: dict) -> list[tuple[ProcessedImage, ...]]:
    """Each upload as a photo and a thumbnail, all decoded before anything is written, so one
    bad file saves nothing: at the first bad one, errors["photos"] names it and the result
    is empty."""
    processed = []
    for upload in uploads:
        try:
            processed.append(
                tuple(
                    process_image(upload, max_bytes=max_bytes, max_side=side)
                    for side in (PHOTO_SIDE, THUMBNAIL_SIDE)
                )
            )
        except ValidationError as exc:
            name = getattr(upload, "name", "") or _("Foto")
            errors["photos"] = [f"{name}: {message}" for message in exc.messages]
            return []
    return processed


def save_photo(photo, image: ProcessedImage, thumbnail: ProcessedImage) -> None:
    """Store a photo row (a model with `image`, `thumbnail`, `width` and `height`) and its
    two files."""
    photo.width, photo.height = image.width, image.height
    photo.image.save("photo.jpg", image.content, save=False)
    photo.thumbnail.save("thumb.jpg", thumbnail.content, save=False)
    photo.save()
