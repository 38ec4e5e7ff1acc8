"""Account pages: thin skins over apps.accounts.services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.forms import add_service_errors
from apps.places.models import Municipality
from apps.places.selectors import municipality_picker_choices

from . import services
from .forms import (
    EmailForm,
    HomeForm,
    LoginForm,
    NewPasswordForm,
    PasswordChangeForm,
    PhotoForm,
    ProfileForm,
    SignUpForm,
)
from .permissions import display_name
from .selectors import profile_get
from .throttling import client_address


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _start_session(request, user) -> None:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    translation.activate(user.language)


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("posts:feed")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_sign_up(
                **form.cleaned_data, language=translation.get_language() or "de"
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            request.session["signup_email"] = user.email
            return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def signup_done(request):
    form = EmailForm(request.POST or None, initial={"email": request.session.get("signup_email")})
    if request.method == "POST" and form.is_valid():
        services.email_confirmation_resend(email=form.cleaned_data["email"])
        messages.success(
            request, _("Falls ein unbestätigtes Konto existiert, ist ein neuer Link unterwegs.")
        )
        return redirect("accounts:signup_done")
    return render(request, "accounts/signup_done.html", {"form": form})


@require_http_methods(["GET", "POST"])
def confirm_email(request, uidb64: str, token: str):
    # GET only shows a button: mail scanners that open links must not confirm or log in.
    if request.method == "POST":
        try:
            user = services.email_confirm(uidb64=uidb64, token=token)
        except ValidationError as exc:
            return render(
                request, "accounts/confirm_email.html", {"error": exc.messages[0]}, status=400
            )
        _start_session(request, user)
        messages.success(request, _("Danke! Deine E-Mail-Adresse ist bestätigt."))
        if user.home_municipality_id is None:
            return redirect("accounts:settings")
        return redirect("posts:feed")
    return render(request, "accounts/confirm_email.html", {})


@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request, reverse("posts:feed")))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_authenticate(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                address=client_address(request),
            )
        except services.LoginPaused as exc:
            form.add_error(None, str(exc))
            status = 429
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _start_session(request, user)
            fallback = reverse("posts:feed" if user.home_municipality_id else "accounts:settings")
            return HttpResponseRedirect(_safe_next(request, fallback))
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": _safe_next(request, "")},
        status=status,
    )


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, _("Du bist abgemeldet."))
    return redirect("places:landing")


@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(email=form.cleaned_data["email"])
        return render(request, "accounts/password_reset_sent.html", {})
    return render(request, "accounts/password_reset.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, uidb64: str, token: str):
    try:
        services.password_reset_user(uidb64=uidb64, token=token)
    except ValidationError as exc:
        return render(
            request, "accounts/password_reset_confirm.html", {"error": exc.messages[0]}, status=400
        )
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_confirm(
                uidb64=uidb64, token=token, new_password=form.cleaned_data["new_password"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Dein Passwort ist geändert. Du kannst dich jetzt anmelden.")
            )
            return redirect("accounts:login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Dein Passwort ist geändert."))
            return redirect("accounts:profile_edit")
    return render(request, "accounts/password_change.html", {"form": form})


def _profile_initial(user) -> dict:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "bio": user.bio,
        "language": user.language,
    }


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    user = request.user
    form = ProfileForm(request.POST or None, initial=_profile_initial(user))
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            translation.activate(user.language)
            messages.success(request, _("Dein Profil ist gespeichert."))
            return redirect("accounts:profile_edit")
    return render(request, "accounts/profile_edit.html", {"form": form, "photo_form": PhotoForm()})


@login_required
@require_POST
def profile_photo(request):
    if "remove" in request.POST:
        services.profile_photo_remove(user=request.user)
        messages.success(request, _("Dein Foto ist entfernt."))
        return redirect("accounts:profile_edit")
    photo_form = PhotoForm(request.POST, request.FILES)
    if photo_form.is_valid():
        try:
            services.profile_photo_set(user=request.user, upload=photo_form.cleaned_data["photo"])
        except ValidationError as exc:
            add_service_errors(photo_form, exc)
        else:
            messages.success(request, _("Dein Foto ist gespeichert."))
            return redirect("accounts:profile_edit")
    return render(
        request,
        "accounts/profile_edit.html",
        {"form": ProfileForm(initial=_profile_initial(request.user)), "photo_form": photo_form},
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request):
    user = request.user
    query = request.GET.get("q", "")[:100]
    initial = {
        "municipality": user.home_municipality.slug if user.home_municipality else "",
        "reading_radius_km": user.reading_radius_km,
    }
    form = HomeForm(request.POST or None, initial=initial)
    radius_field = form.fields["reading_radius_km"]
    if user.reading_radius_km not in dict(radius_field.choices):
        radius_field.choices = sorted(
            [*radius_field.choices, (user.reading_radius_km, f"{user.reading_radius_km} km")]
        )
    if request.method == "POST" and form.is_valid():
        municipality = Municipality.objects.filter(slug=form.cleaned_data["municipality"]).first()
        if municipality is None:
            form.add_error("municipality", _("Bitte wähle eine Gemeinde aus der Liste."))
        else:
            try:
                services.home_set(
                    user=user,
                    municipality=municipality,
                    reading_radius_km=form.cleaned_data["reading_radius_km"],
                    invitation_code=form.cleaned_data["invitation_code"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Deine Einstellungen sind gespeichert."))
                return redirect("posts:feed")
    selected = form.data.get("municipality") if form.is_bound else initial["municipality"]
    choices = municipality_picker_choices(query=query, keep=[initial["municipality"], selected])
    return render(
        request,
        "accounts/settings.html",
        {"form": form, "query": query, "choices": choices, "selected": selected},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
def language_switch(request):
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request, reverse("places:landing")))
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        services.language_set(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
    )
    return response


@login_required
def profile_detail(request, user_id: int):
    person = profile_get(viewer=request.user, user_id=user_id)
    return render(
        request,
        "accounts/profile.html",
        {"person": person, "name": display_name(request.user, person)},
    )
