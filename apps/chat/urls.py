from django.urls import path

from . import views

app_name = "chat"

urlpatterns = [
    path("nachrichten/", views.conversation_list, name="list"),
    path("nachrichten/neue-gruppe/", views.group_create, name="group_create"),
    path("nachrichten/mit/<int:user_id>/", views.start_direct, name="start_direct"),
    path("nachrichten/<int:pk>/", views.conversation_detail, name="detail"),
    path("nachrichten/<int:pk>/personen/", views.participants_add, name="participants_add"),
    path("nachrichten/<int:pk>/stumm/", views.mute, name="mute"),
    path("nachrichten/<int:pk>/verlassen/", views.leave, name="leave"),
    path(
        "nachrichten/<int:pk>/<int:message_id>/bearbeiten/",
        views.message_edit,
        name="message_edit",
    ),
    path(
        "nachrichten/<int:pk>/<int:message_id>/loeschen/",
        views.message_delete,
        name="message_delete",
    ),
]
