"""Forms only collect input; apps.posts.services checks it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BODY_MAX, COMMENT_MAX, DEFAULT_EXPIRY_DAYS, EXPIRY_CHOICES_DAYS, TITLE_MAX, Post


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


PHOTO_HELP = _(
    "Bis zu 4 Fotos (JPEG, PNG, WebP oder GIF, je höchstens 10 MB). Standortdaten werden entfernt."
)


class PostForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Was möchtest du?"), choices=Post.Kind.choices, widget=forms.RadioSelect
    )
    category = forms.ChoiceField(
        label=_("Kategorie"),
        required=False,
        choices=[("", _("Bitte wählen")), *Post.Category.choices],
        help_text=_("Nur für Biete und Suche."),
    )
    title = forms.CharField(
        label=_("Titel"),
        required=False,
        max_length=TITLE_MAX * 4,
        help_text=_("Für Biete und Suche nötig, höchstens 120 Zeichen."),
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX * 4,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Höchstens 5000 Zeichen. Links werden anklickbar."),
    )
    photos = MultipleFileField(
        label=_("Fotos"),
        required=False,
        help_text=PHOTO_HELP,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    scope = forms.ChoiceField(
        label=_("Wer soll den Beitrag sehen?"),
        choices=Post.Scope.choices,
        initial=Post.Scope.NEARBY,
        widget=forms.RadioSelect,
    )
    expiry_days = forms.TypedChoiceField(
        label=_("Sichtbar für"),
        coerce=int,
        initial=DEFAULT_EXPIRY_DAYS,
        choices=[(days, _("%(days)s Tage") % {"days": days}) for days in EXPIRY_CHOICES_DAYS],
        help_text=_("Biete und Suche laufen danach ab; du kannst sie verlängern."),
    )


class PostEditForm(forms.Form):
    category = PostForm.base_fields["category"]
    title = PostForm.base_fields["title"]
    body = PostForm.base_fields["body"]
    scope = PostForm.base_fields["scope"]
    photos = MultipleFileField(
        label=_("Weitere Fotos"),
        required=False,
        help_text=PHOTO_HELP,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    remove_photos = forms.TypedMultipleChoiceField(
        label=_("Fotos entfernen"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Dein Kommentar"),
        max_length=COMMENT_MAX * 4,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FeedFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Art"), required=False, choices=[("", _("Alle")), *Post.Kind.choices]
    )
    category = forms.ChoiceField(
        label=_("Kategorie"),
        required=False,
        choices=[("", _("Alle Kategorien")), *Post.Category.choices],
    )
    only_home = forms.BooleanField(label=_("Nur mein Dorf"), required=False)
    q = forms.CharField(label=_("Suche in Beiträgen"), required=False, max_length=200)
    cursor = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
