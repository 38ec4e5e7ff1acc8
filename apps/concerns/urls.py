from django.urls import path

from . import views

app_name = "concerns"

urlpatterns = [
    path("anliegen/", views.my_concerns, name="mine"),
    path("anliegen/neu/", views.concern_create, name="create"),
    path("anliegen/schon-gemeldet/", views.similar, name="similar"),
    path("anliegen/<int:pk>/", views.concern_detail, name="detail"),
    path("anliegen/<int:pk>/nachricht/", views.message_create, name="message"),
    path("anliegen/<int:pk>/status/", views.status_change, name="status"),
    path("anliegen/<int:pk>/zuweisen/", views.assign, name="assign"),
    path("anliegen/<int:pk>/veroeffentlichen/", views.publish, name="publish"),
    path("anliegen/<int:pk>/fotos/<int:photo_id>/<str:size>/", views.photo, name="photo"),
    path("gemeinden/<slug:slug>/anliegen/", views.inbox_page, name="inbox"),
    path("gemeinden/<slug:slug>/anliegen/export.csv", views.inbox_export, name="export"),
    path("gemeinden/<slug:slug>/gemeldet/", views.published_list, name="published"),
    path(
        "gemeinden/<slug:slug>/gemeldet/<int:pk>/",
        views.published_detail,
        name="published_detail",
    ),
]
