"""Account emails, rendered in the recipient's language and sent by a task after commit."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from apps.core.tasks import send_email

from .tokens import email_confirmation_token, encode_uid, password_reset_token


def _send(user, template: str, context: dict) -> None:
    with translation.override(user.language_code):
        context = {"user": user, "site_url": settings.SITE_URL, **context}
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
        text = render_to_string(f"accounts/email/{template}.txt", context)
    to = user.email
    transaction.on_commit(lambda: send_email.delay(to=to, subject=subject, text=text))


def send_email_confirmation(user) -> None:
    path = reverse(
        "accounts:confirm_email",
        kwargs={"uidb64": encode_uid(user), "token": email_confirmation_token.make_token(user)},
    )
    _send(user, "confirm_email", {"link": settings.SITE_URL + path})


def send_password_reset(user) -> None:
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": encode_uid(user), "token": password_reset_token.make_token(user)},
    )
    _send(user, "password_reset", {"link": settings.SITE_URL + path})
