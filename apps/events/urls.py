from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("veranstaltungen/", views.calendar, name="calendar"),
    path("veranstaltungen/neu/", views.event_create, name="create"),
    path("veranstaltungen/<int:pk>/", views.event_detail, name="detail"),
    path("veranstaltungen/<int:pk>.ics", views.event_ics, name="ics"),
    path("veranstaltungen/<int:pk>/bearbeiten/", views.event_edit, name="edit"),
    path("veranstaltungen/<int:pk>/absagen/", views.event_cancel, name="cancel"),
    path("veranstaltungen/<int:pk>/teilnahme/", views.event_rsvp, name="rsvp"),
    path("veranstaltungen/<int:pk>/teilnehmende/", views.event_attendees, name="attendees"),
    path(
        "gemeinden/<slug:slug>/veranstaltungen/",
        views.municipality_calendar,
        name="municipality_calendar",
    ),
    path(
        "gemeinden/<slug:slug>/veranstaltungen.ics",
        views.municipality_feed,
        name="municipality_feed",
    ),
]
