"""The fast JSON renderer of the hottest endpoints writes what DRF's own renderer writes."""

import json

from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from apps.core.api import FastJSONRenderer


def test_fast_renderer_matches_drfs_for_the_data_views_return():
    data = {
        "results": [{"id": 1, "title": "Fahrrad", "body": "Grüße 🌻 <b>", "tags": None}],
        "next_cursor": None,
        "detail": gettext_lazy("Ungültiger Cursor."),
        "photos": {0: ["Keine Bilddatei."]},
    }
    fast = FastJSONRenderer().render(data)
    assert json.loads(fast) == json.loads(JSONRenderer().render(data))


def test_fast_renderer_writes_nothing_for_no_content():
    assert FastJSONRenderer().render(None) == b""
