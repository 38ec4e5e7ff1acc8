"""Forms only collect input; apps.chat.services checks it."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MESSAGE_MAX, TITLE_MAX


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Nachricht"),
        max_length=MESSAGE_MAX * 4,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_MAX}),
    )
    # A new id for every form shown: sending the same form twice sends one message.
    client_id = forms.CharField(max_length=64, widget=forms.HiddenInput)
    post = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    @staticmethod
    def fresh_client_id() -> str:
        return uuid.uuid4().hex


class MessageEditForm(forms.Form):
    body = forms.CharField(
        label=_("Nachricht"),
        max_length=MESSAGE_MAX * 4,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MESSAGE_MAX}),
    )


class GroupForm(forms.Form):
    title = forms.CharField(label=_("Name der Gruppe"), max_length=TITLE_MAX * 4)
    participants = forms.TypedMultipleChoiceField(
        label=_("Wer ist dabei?"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Personen, mit denen du schon schreibst."),
    )

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].choices = [
            (person.pk, person.public_name) for person in contacts
        ]


class AddPeopleForm(forms.Form):
    participants = forms.TypedMultipleChoiceField(
        label=_("Hinzufügen"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].choices = [
            (person.pk, person.public_name) for person in contacts
        ]
