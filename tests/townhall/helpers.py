"""Builders for the town-hall tests: uploads, and news made the one way news is made."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.townhall import services
from apps.townhall.models import News


def jpeg_bytes(size=(64, 48), color=(200, 60, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG")
    return out.getvalue()


def photo_upload(name: str = "foto.jpg", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes() if data is None else data, "image/jpeg")


def pdf_bytes(text: str = "Amtsblatt") -> bytes:
    """A minimal but well-formed PDF of one empty page."""
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
        + f"% {text}\n".encode()
        + b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def pdf_upload(name: str = "amtsblatt.pdf", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if data is None else data, "application/pdf")


class HugeUpload:
    """Says it is 100 MB; reading it fails the test, so it must be refused by its size."""

    name = "riesig.pdf"
    size = 100 * 1024 * 1024
    content_type = "application/pdf"

    def seek(self, *args):
        raise AssertionError("a huge upload must be refused before it is read")

    read = seek


def make_news(editor, municipality=None, *, photos: int = 0, **fields) -> News:
    fields.setdefault("title", "Wasser wird abgestellt")
    fields.setdefault("body", "Am Montag von 8 bis 12 Uhr gibt es kein Wasser.")
    return services.news_create(
        actor=editor,
        municipality=municipality or editor.home_municipality,
        photos=[photo_upload(f"foto{n}.jpg") for n in range(photos)],
        **fields,
    )


def backdate(news: News, **delta) -> News:
    """Move a news item into the past, as if it was published that long ago."""
    shift = dt.timedelta(**delta)
    News.objects.filter(pk=news.pk).update(publish_at=news.publish_at - shift)
    news.refresh_from_db()
    return news
