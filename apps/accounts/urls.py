from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("konto/registrieren/", views.signup, name="signup"),
    path("konto/registriert/", views.signup_done, name="signup_done"),
    path("konto/bestaetigen/<str:uidb64>/<str:token>/", views.confirm_email, name="confirm_email"),
    path("konto/anmelden/", views.login_view, name="login"),
    path("konto/abmelden/", views.logout_view, name="logout"),
    path("konto/passwort-vergessen/", views.password_reset, name="password_reset"),
    path(
        "konto/passwort-neu/<str:uidb64>/<str:token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("konto/passwort/", views.password_change, name="password_change"),
    path("konto/profil/", views.profile_edit, name="profile_edit"),
    path("konto/profil/foto/", views.profile_photo, name="profile_photo"),
    path("konto/einstellungen/", views.settings_view, name="settings"),
    path("sprache/", views.language_switch, name="language"),
    path("leute/<int:user_id>/", views.profile_detail, name="profile"),
]
