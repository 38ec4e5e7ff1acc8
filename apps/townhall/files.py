"""Uploaded PDF attachments (checked before anything is stored) and the answers that serve
photos and attachments of news the caller has found readable."""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from apps.core.files import photo_file, stored_file_response

from .models import ATTACHMENT_NAME_MAX, News

DEFAULT_PDF_MAX_BYTES = 20 * 1024 * 1024
# A PDF ends with %%EOF, perhaps followed by a little whitespace or garbage some writers add.
PDF_TAIL_BYTES = 1024


def pdf_max_bytes() -> int:
    return int(getattr(settings, "TOWNHALL_PDF_MAX_BYTES", DEFAULT_PDF_MAX_BYTES))


def _too_large(limit: int) -> str:
    return _("Die PDF-Datei ist zu groß (höchstens %(mb)s MB).") % {"mb": limit // (1024 * 1024)}


def check_pdf(upload) -> bytes:
    """The upload's content if it is a PDF within the size limit. Its declared size is
    checked before a single byte is read, so a huge file is refused at once."""
    limit = pdf_max_bytes()
    size = getattr(upload, "size", None)
    if size is None or size > limit:
        raise ValidationError(_too_large(limit))
    if size == 0:
        raise ValidationError(_("Die Datei ist leer."))
    try:
        upload.seek(0)
        data = upload.read(limit + 1)
    except (OSError, ValueError) as exc:
        raise ValidationError(_("Die Datei konnte nicht gelesen werden.")) from exc
    if len(data) > limit:
        raise ValidationError(_too_large(limit))
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-PDF_TAIL_BYTES:]:
        raise ValidationError(_("Die Datei ist kein gültiges PDF-Dokument."))
    return data


def attachment_display_name(name: str) -> str:
    """A safe file name to show and to offer for download, ending in .pdf."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    stem = re.sub(r"[^\w .()-]+", "_", stem).strip(" ._") or "Anhang"
    return stem[: ATTACHMENT_NAME_MAX - 4] + ".pdf"


def photo_response(*, news: News, photo_id: int, size: str) -> HttpResponse:
    field = photo_file(news.photos.all(), photo_id=photo_id, size=size)
    return _file_response(field, "image/jpeg", public=news.public)


def attachment_response(*, news: News) -> HttpResponse:
    if not news.attachment:
        raise Http404
    response = _file_response(news.attachment, "application/pdf", public=False)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=news.attachment_name or "Anhang.pdf"
    )
    # Opened in the browser's own viewer; nothing in it may run as our site.
    response["Content-Security-Policy"] = "sandbox"
    return response


def _file_response(field, content_type: str, *, public: bool) -> HttpResponse:
    # Non-public news must never sit in a shared cache; public news may, but briefly, so a
    # change of the news' visibility takes effect soon.
    cache_control = "public, max-age=600" if public else "private, max-age=3600"
    return stored_file_response(field, content_type=content_type, cache_control=cache_control)


def request_limit() -> int:
    """The largest request that can carry a news item: its photos, its PDF and the text."""
    return pdf_max_bytes() + 4 * settings.POST_PHOTO_MAX_BYTES + 1024 * 1024


def request_too_large(request) -> bool:
    """Judged by the declared length alone, so an oversized upload is refused before its
    body is parsed."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > request_limit()


def upload_limit_message() -> str:
    return _(
        "Die Dateien sind zusammen zu groß. Erlaubt sind bis zu 4 Fotos mit je höchstens "
        "%(photo)s MB und ein PDF mit höchstens %(pdf)s MB."
    ) % {
        "photo": settings.POST_PHOTO_MAX_BYTES // (1024 * 1024),
        "pdf": pdf_max_bytes() // (1024 * 1024),
    }
