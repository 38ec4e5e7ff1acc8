"""A NUL character anywhere in a request is a clear 400, never a server error."""

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/gemeinden/?q=Lin%00den", "/?q=%00", "/api/v1/municipalities/?q=a%00"]
)
def test_nul_in_query_string_is_refused(client, url):
    response = client.get(url)
    assert response.status_code == 400


def test_nul_in_form_post_is_refused_and_nothing_changes(client):
    user = UserFactory(first_name="Anna")
    client.force_login(user)
    response = client.post(
        "/konto/profil/",
        {"first_name": "An\x00na", "last_name": "Z", "bio": "", "language": "de"},
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.first_name == "Anna"


@pytest.mark.parametrize("body", ['{"first_name": "An\\u0000na"}', '{"first_name": "A\x00"}'])
def test_nul_in_json_body_is_refused(body):
    user = UserFactory(first_name="Anna")
    api = APIClient()
    api.force_authenticate(user)
    response = api.patch("/api/v1/me/", body, content_type="application/json")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    user.refresh_from_db()
    assert user.first_name == "Anna"
