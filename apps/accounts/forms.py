"""Forms only collect input; the services check it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_READING_RADIUS_KM, User


class SignUpForm(forms.Form):
    first_name = forms.CharField(label=_("Vorname"), max_length=200)
    last_name = forms.CharField(
        label=_("Nachname"),
        max_length=200,
        help_text=_("Andere sehen nur deinen Vornamen und den ersten Buchstaben des Nachnamens."),
    )
    email = forms.CharField(
        label=_("E-Mail-Adresse"),
        max_length=320,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Passwort"),
        max_length=4096,
        strip=False,
        help_text=_("Mindestens 10 Zeichen, nicht nur Ziffern."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class LoginForm(forms.Form):
    email = forms.CharField(
        label=_("E-Mail-Adresse"),
        max_length=320,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Passwort"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class EmailForm(forms.Form):
    email = forms.CharField(
        label=_("E-Mail-Adresse"),
        max_length=320,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class NewPasswordForm(forms.Form):
    new_password = forms.CharField(
        label=_("Neues Passwort"),
        max_length=4096,
        strip=False,
        help_text=_("Mindestens 10 Zeichen, nicht nur Ziffern."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class PasswordChangeForm(NewPasswordForm):
    old_password = forms.CharField(
        label=_("Bisheriges Passwort"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["old_password", "new_password"]


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("Vorname"), max_length=200)
    last_name = forms.CharField(label=_("Nachname"), max_length=200)
    bio = forms.CharField(
        label=_("Über mich"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Höchstens 500 Zeichen. Für alle Angemeldeten sichtbar."),
    )
    language = forms.ChoiceField(label=_("Sprache"), choices=User.Language.choices)


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Neues Foto"),
        help_text=_("JPEG, PNG, WebP oder GIF, höchstens 8 MB. Standortdaten werden entfernt."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )


class HomeForm(forms.Form):
    municipality = forms.CharField(label=_("Heimatgemeinde"), max_length=140)
    reading_radius_km = forms.TypedChoiceField(
        label=_("Umkreis"),
        coerce=int,
        choices=[
            (km, _("nur meine Gemeinde") if km == 0 else _("%(km)s km") % {"km": km})
            for km in (0, 2, 5, 10, 15, 20, MAX_READING_RADIUS_KM)
        ],
        help_text=_("Beiträge aus Gemeinden in diesem Umkreis erscheinen auch in deinem Dorf."),
    )
    invitation_code = forms.CharField(
        label=_("Einladungscode"),
        required=False,
        max_length=40,
        help_text=_("Nur nötig, wenn deine Gemeinde Einladungen verlangt."),
    )
