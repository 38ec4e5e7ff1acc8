"""/api/v1/ endpoints of townhall; included into the api namespace by dorffunk/api_urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("news/", api.NewsListView.as_view(), name="news"),
    path("news/<int:pk>/", api.NewsDetailView.as_view(), name="news_detail"),
    path("news/<int:pk>/photos/<int:photo_id>/", api.NewsPhotoView.as_view(), name="news_photo"),
    path("news/<int:pk>/attachment/", api.NewsAttachmentView.as_view(), name="news_attachment"),
]
