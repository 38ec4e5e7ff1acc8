"""The OpenAPI document and its docs page: complete, valid, and served without any CDN."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.urls import URLPattern, URLResolver
from rest_framework.test import APIClient

from dorffunk import api_urls

pytestmark = pytest.mark.django_db

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def api_paths(patterns=None, prefix: str = "") -> set[str]:
    """Every route of api_urls (and of the apps' api_urls it includes) as an OpenAPI path,
    parameters as {}."""
    paths = set()
    for pattern in api_urls.urlpatterns if patterns is None else patterns:
        route = prefix + re.sub(r"<(?:\w+:)?\w+>", "{}", str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            paths |= api_paths(pattern.url_patterns, route)
        else:
            assert isinstance(pattern, URLPattern)
            paths.add(f"/api/v1/{route}")
    return paths


def without_parameter_names(path: str) -> str:
    # drf-spectacular names a `pk` parameter `id`; what matters is where parameters are.
    return re.sub(r"\{[^}]+\}", "{}", path)


@pytest.fixture
def schema() -> dict:
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    return response.json()


def test_schema_is_served_as_yaml_by_default_and_matches_json(schema):
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    assert "openapi" in response["Content-Type"]
    assert yaml.safe_load(response.content) == schema


def test_schema_is_an_openapi_3_document(schema):
    assert re.fullmatch(r"3\.\d+\.\d+", schema["openapi"])
    assert schema["info"]["title"]
    assert schema["info"]["version"]
    assert isinstance(schema["paths"], dict) and schema["paths"]


def test_schema_lists_every_api_path(schema):
    documented = {without_parameter_names(path) for path in schema["paths"]}
    missing = api_paths() - documented
    assert not missing, f"undocumented API paths: {sorted(missing)}"


def test_schema_lists_no_path_outside_the_api(schema):
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    assert {without_parameter_names(path) for path in schema["paths"]} == api_paths()


def test_every_operation_has_responses_and_a_unique_id(schema):
    seen = set()
    for path, item in schema["paths"].items():
        operations = {m: op for m, op in item.items() if m in HTTP_METHODS}
        assert operations, path
        for method, operation in operations.items():
            assert operation.get("responses"), (method, path)
            for status in operation["responses"]:
                assert re.fullmatch(r"[1-5]\d\d|[1-5]XX|default", status), (method, path)
            assert operation["operationId"] not in seen, operation["operationId"]
            seen.add(operation["operationId"])


def test_every_path_parameter_is_declared(schema):
    for path, item in schema["paths"].items():
        names = set(re.findall(r"\{([^}]+)\}", path))
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            declared = {
                p["name"]
                for p in [*item.get("parameters", []), *operation.get("parameters", [])]
                if p["in"] == "path"
            }
            assert names <= declared, (method, path, names, declared)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert parameter["required"] is True


def _refs(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref":
                yield item
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def test_every_reference_resolves(schema):
    refs = set(_refs(schema))
    assert refs, "a schema without components is suspicious"
    for ref in refs:
        assert ref.startswith("#/"), ref
        node = schema
        for part in ref[2:].split("/"):
            assert part in node, f"unresolved {ref}"
            node = node[part]


def test_token_authentication_is_documented(schema):
    schemes = schema["components"]["securitySchemes"].values()
    assert any(
        s.get("type") == "apiKey" and s.get("in") == "header" and s.get("name") == "Authorization"
        for s in schemes
    )
    me = schema["paths"]["/api/v1/me/"]["get"]
    assert me["security"], "signed-in endpoints must say how to sign in"


def test_profile_photo_upload_is_documented_as_multipart(schema):
    put = schema["paths"]["/api/v1/me/photo/"]["put"]
    assert "multipart/form-data" in put["requestBody"]["content"]


class _AssetCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in {"src", "href"} and value:
                self.urls.append(value)


@pytest.fixture
def docs_page() -> str:
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def test_docs_page_loads_nothing_from_another_host(docs_page):
    collector = _AssetCollector()
    collector.feed(docs_page)
    assert collector.urls, "the docs page references no assets at all"
    for url in collector.urls:
        parts = urlsplit(url)
        assert parts.scheme in {"", "http", "https"}, url
        assert parts.netloc in {"", "testserver"}, url
    # Nor from a script building a URL at run time.
    assert not re.search(r"https?://(?!testserver)[\w.-]+", docs_page)
    assert "//cdn" not in docs_page and "unpkg" not in docs_page and "jsdelivr" not in docs_page


def test_docs_page_assets_are_shipped_with_the_app(docs_page):
    collector = _AssetCollector()
    collector.feed(docs_page)
    scripts = [u for u in collector.urls if u.endswith(".js")]
    assert scripts, "the docs page loads no script"
    for url in collector.urls:
        path = urlsplit(url).path
        assert path.startswith("/static/"), url
        assert finders.find(path.removeprefix("/static/")), f"{url} is not a shipped file"


def test_docs_page_points_at_our_schema(docs_page):
    assert '"/api/schema/"' in docs_page


def test_schema_generates_without_warnings(tmp_path):
    # Warnings (colliding operation ids, unknown field types) make clients generated from
    # the schema wrong; the command exits non-zero on any of them.
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert (tmp_path / "schema.yml").read_text().startswith("openapi: 3")
