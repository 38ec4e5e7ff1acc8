"""/api/v1/ endpoints of concerns; included into the api namespace by dorffunk/api_urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("concerns/", api.ConcernListView.as_view(), name="concerns"),
    path("concerns/<int:pk>/", api.ConcernDetailView.as_view(), name="concern_detail"),
    path("concerns/<int:pk>/status/", api.ConcernStatusView.as_view(), name="concern_status"),
    path(
        "concerns/<int:pk>/messages/",
        api.ConcernMessagesView.as_view(),
        name="concern_messages",
    ),
    path("concerns/<int:pk>/assign/", api.ConcernAssignView.as_view(), name="concern_assign"),
    path("concerns/<int:pk>/publish/", api.ConcernPublishView.as_view(), name="concern_publish"),
    path(
        "concerns/<int:pk>/photos/<int:photo_id>/",
        api.ConcernPhotoView.as_view(),
        name="concern_photo",
    ),
]
