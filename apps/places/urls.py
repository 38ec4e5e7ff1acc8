from django.urls import path

from . import views

app_name = "places"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("gemeinden/", views.municipality_list, name="municipality_list"),
    path("gemeinden/auswahl/", views.municipality_choices, name="municipality_choices"),
    path("gemeinden/<slug:slug>/", views.municipality_detail, name="municipality_detail"),
    path("gemeinden/<slug:slug>/einladungen/", views.invitations, name="invitations"),
    path(
        "gemeinden/<slug:slug>/einladungen/<int:pk>/zurueckziehen/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
]
