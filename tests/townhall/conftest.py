import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from .helpers import make_news, pdf_upload


@pytest.fixture
def scene(people, village):
    """Public news, news for residents only and scheduled news of `village`, each with a
    photo and a PDF, published by its town hall."""
    editor = people["editor"]

    def news(title: str, **fields):
        item = make_news(editor, village, title=title, photos=1, attachment=pdf_upload(), **fields)
        return SimpleNamespace(news=item, photo=item.photos.get())

    return SimpleNamespace(
        public=news("Öffentliche Meldung"),
        residents=news("Nur für Einwohner", public=False),
        scheduled=news("Geplante Meldung", publish_at=timezone.now() + dt.timedelta(days=2)),
    )
