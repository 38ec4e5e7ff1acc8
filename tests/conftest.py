"""Shared test set-up. The suite runs on the embedded default anywhere; with DATABASE_URL
and REDIS_URL it runs against real PostgreSQL and Redis. DORFFUNK_REQUIRE_ALL=1 (set by
.ci/run) turns a missing server or browser into a failure instead of a skip."""

import os
import uuid

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import override_settings

from dorffunk.celery import app as celery_app

REQUIRE_ALL = os.environ.get("DORFFUNK_REQUIRE_ALL") == "1"
TEST_CACHE_PREFIX = f"test-{uuid.uuid4().hex[:12]}"


def pytest_configure(config):
    if REQUIRE_ALL:
        missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
        if missing:
            raise pytest.UsageError(f"DORFFUNK_REQUIRE_ALL is set but {missing} are not")


def skip_or_fail(reason: str):
    """Skip with a visible reason, or fail when CI requires everything to run."""
    if REQUIRE_ALL:
        pytest.fail(f"required but unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _test_environment():
    # Plain static storage: templates work without collectstatic.
    storages = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    caches = {"default": {**settings.CACHES["default"], "KEY_PREFIX": TEST_CACHE_PREFIX}}
    with override_settings(
        CACHES=caches,
        STORAGES=storages,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ):
        yield


def _clear_cache() -> None:
    """Empty the cache between tests. On Redis only this run's keys go: a shared or
    developer's Redis keeps everything else."""
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{TEST_CACHE_PREFIX}:*", count=500))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _clean_state():
    _clear_cache()
    mail.outbox = []
    yield
    _clear_cache()


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        skip_or_fail("REDIS_URL is not set; the real-Redis tests need a Redis server")
    return url


# --- The people of a permission matrix ---------------------------------------------------


@pytest.fixture
def village():
    from tests.factories import MunicipalityFactory

    return MunicipalityFactory(name="Heimdorf", slug="heimdorf", latitude=48.80, longitude=10.60)


@pytest.fixture
def other_village():
    from tests.factories import MunicipalityFactory

    return MunicipalityFactory(name="Fernau", slug="fernau", latitude=50.10, longitude=8.20)


@pytest.fixture
def people(village, other_village):
    """One person of each role around `village`, and the town hall of a far village."""
    from tests.factories import UserFactory, editor_of, moderator_of

    return {
        "anonymous": None,
        "other_resident": UserFactory(home_municipality=other_village),
        "resident": UserFactory(home_municipality=village),
        "moderator": moderator_of(village),
        "editor": editor_of(village),
        "other_editor": editor_of(other_village),
    }


@pytest.fixture
def visit(client, people):
    """The test client, signed in as the person with that role (or not at all)."""

    def as_role(role: str):
        if people[role] is not None:
            client.force_login(people[role])
        return client

    return as_role
