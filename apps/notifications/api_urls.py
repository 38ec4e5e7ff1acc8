"""/api/v1/ endpoints of notifications; included into the api namespace by dorffunk/api_urls.py."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
