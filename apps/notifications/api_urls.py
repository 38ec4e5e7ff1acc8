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
    path("push-subscriptions/", api.PushSubscriptionListView.as_view(), name="push_subscriptions"),
    path(
        "push-subscriptions/renew/",
        api.PushSubscriptionRenewView.as_view(),
        name="push_subscription_renew",
    ),
    path(
        "push-subscriptions/<int:pk>/",
        api.PushSubscriptionDetailView.as_view(),
        name="push_subscription",
    ),
    path("push/vapid-public-key/", api.VapidPublicKeyView.as_view(), name="vapid_public_key"),
    path(
        "notification-preferences/",
        api.PreferencesView.as_view(),
        name="notification_preferences",
    ),
    path("notification-mutes/", api.MuteListView.as_view(), name="notification_mutes"),
]
