from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("benachrichtigungen/", views.notification_list, name="list"),
    path("benachrichtigungen/alle-gelesen/", views.mark_all_read, name="read_all"),
    path("benachrichtigungen/<int:pk>/", views.notification_open, name="open"),
]
