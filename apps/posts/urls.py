from django.urls import path

from . import views

app_name = "posts"

urlpatterns = [
    path("dorf/", views.feed, name="feed"),
    path("beitraege/neu/", views.post_create, name="create"),
    path("beitraege/<int:pk>/", views.post_detail, name="detail"),
    path("beitraege/<int:pk>/bearbeiten/", views.post_edit, name="edit"),
    path("beitraege/<int:pk>/loeschen/", views.post_delete, name="delete"),
    path("beitraege/<int:pk>/status/", views.post_status, name="status"),
    path("beitraege/<int:pk>/verlaengern/", views.post_extend, name="extend"),
    path("beitraege/<int:pk>/danke/", views.post_thanks, name="thanks"),
    path("beitraege/<int:pk>/kommentare/", views.comment_create, name="comment_create"),
    path(
        "beitraege/<int:pk>/kommentare/<int:comment_id>/loeschen/",
        views.comment_delete,
        name="comment_delete",
    ),
    path(
        "beitraege/<int:pk>/kommentare/<int:comment_id>/danke/",
        views.comment_thanks,
        name="comment_thanks",
    ),
    path("beitraege/<int:pk>/fotos/<int:photo_id>/<str:size>/", views.photo, name="photo"),
    path("leute/<int:user_id>/beitraege/", views.author_posts, name="author_posts"),
]
