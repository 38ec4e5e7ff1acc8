"""/api/v1/ endpoints of notifications; included into the api namespace by dorffunk/api_urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("notifications/", api.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/unread-count/",
        api.UnreadCountView.as_view(),
        name="notifications_unread_count",
    ),
    path(
        "notifications/read-all/",
        api.NotificationReadAllView.as_view(),
        name="notifications_read_all",
    ),
    path(
        "notifications/<int:pk>/read/",
        api.NotificationReadView.as_view(),
        name="notification_read",
    ),
]
