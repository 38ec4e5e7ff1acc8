"""Shared test set-up. The suite runs on the embedded default anywhere; with DATABASE_URL
and REDIS_URL it runs against real PostgreSQL and Redis. DORFFUNK_REQUIRE_ALL=1 (set by
.ci/run) turns a missing server or browser into a failure instead of a skip."""

import os

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import override_settings

from dorffunk.celery import app as celery_app

REQUIRE_ALL = os.environ.get("DORFFUNK_REQUIRE_ALL") == "1"


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
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    with override_settings(
        STORAGES=storages,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ):
        yield


@pytest.fixture(autouse=True)
def _clean_state():
    cache.clear()
    mail.outbox = []
    yield
    cache.clear()


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        skip_or_fail("REDIS_URL is not set; the real-Redis tests need a Redis server")
    return url
