from django.urls import path

from . import views
from .feeds import NewsAtomFeed, NewsRssFeed

app_name = "townhall"

NEWS = "gemeinden/<slug:slug>/rathaus/"

urlpatterns = [
    path("rathaus/", views.home, name="home"),
    path(NEWS, views.news_list, name="news_list"),
    path(f"{NEWS}rss/", NewsRssFeed(), name="rss"),
    path(f"{NEWS}atom/", NewsAtomFeed(), name="atom"),
    path(f"{NEWS}<int:pk>/", views.news_detail, name="news_detail"),
    path(f"{NEWS}<int:pk>/anhang/", views.news_attachment, name="attachment"),
    path(f"{NEWS}<int:pk>/fotos/<int:photo_id>/<str:size>/", views.news_photo, name="photo"),
    path(f"{NEWS}verwalten/", views.manage, name="manage"),
    path(f"{NEWS}verwalten/neu/", views.create, name="create"),
    path(f"{NEWS}verwalten/<int:pk>/bearbeiten/", views.edit, name="edit"),
    path(f"{NEWS}verwalten/<int:pk>/loeschen/", views.delete, name="delete"),
    path("gemeinden/<slug:slug>/schaukasten/", views.board, name="board"),
    path("gemeinden/<slug:slug>/schaukasten/inhalt/", views.board_slides, name="board_slides"),
]
