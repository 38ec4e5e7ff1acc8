from django.urls import path

from . import unsubscribe, views

app_name = "notifications"

urlpatterns = [
    path("benachrichtigungen/", views.notification_list, name="list"),
    path("benachrichtigungen/alle-gelesen/", views.mark_all_read, name="read_all"),
    path("benachrichtigungen/<int:pk>/", views.notification_open, name="open"),
    path("benachrichtigungen/einstellungen/", views.preferences_view, name="preferences"),
    path("benachrichtigungen/stumm/", views.mute_view, name="mute"),
    path(
        "benachrichtigungen/abbestellen/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"
    ),
]
