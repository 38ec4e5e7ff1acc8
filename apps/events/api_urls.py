"""/api/v1/ endpoints of events; included into the api namespace by dorffunk/api_urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("events/", api.EventListView.as_view(), name="events"),
    path("events/<int:pk>/", api.EventDetailView.as_view(), name="event_detail"),
    path("events/<int:pk>/cancel/", api.EventCancelView.as_view(), name="event_cancel"),
    path("events/<int:pk>/rsvp/", api.EventRsvpView.as_view(), name="event_rsvp"),
    path("events/<int:pk>/attendees/", api.EventAttendeesView.as_view(), name="event_attendees"),
]
