"""Changes to municipalities' own data: invitation codes."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import InvitationCode, Municipality
from .permissions import can_manage_invitations

MAX_NOTE_LENGTH = 200


def invitation_code_create(
    *,
    actor,
    municipality: Municipality,
    max_uses: int | None = None,
    expires_at: datetime | None = None,
    note: str = "",
) -> InvitationCode:
    if not can_manage_invitations(actor, municipality):
        raise PermissionDenied(_("Nur das Rathaus dieser Gemeinde kann Einladungscodes ausgeben."))
    errors = {}
    if max_uses is not None and not 1 <= max_uses <= 100_000:
        errors["max_uses"] = _("Bitte eine Zahl von 1 bis 100000 angeben oder leer lassen.")
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = _("Das Ablaufdatum muss in der Zukunft liegen.")
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        errors["note"] = _("Die Notiz darf höchstens 200 Zeichen lang sein.")
    if errors:
        raise ValidationError(errors)
    return InvitationCode.objects.create(
        municipality=municipality,
        max_uses=max_uses,
        expires_at=expires_at,
        note=note,
        created_by=actor,
    )


def invitation_code_revoke(*, actor, invitation: InvitationCode) -> InvitationCode:
    if not can_manage_invitations(actor, invitation.municipality):
        raise PermissionDenied(
            _("Nur das Rathaus dieser Gemeinde kann Einladungscodes zurückziehen.")
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_code_redeem(*, municipality: Municipality, code: str) -> InvitationCode:
    """Count one use of a code for this municipality. Call inside the caller's transaction,
    so that a failed sign-up does not use the code up."""
    code = "".join(code.split()).upper()
    with transaction.atomic():
        invitation = (
            InvitationCode.objects.select_for_update()
            .filter(municipality=municipality, code=code)
            .first()
        )
        if invitation is None or not invitation.is_usable():
            raise ValidationError(
                {"invitation_code": _("Dieser Einladungscode ist ungültig oder abgelaufen.")}
            )
        InvitationCode.objects.filter(pk=invitation.pk).update(use_count=F("use_count") + 1)
        invitation.refresh_from_db(fields=["use_count"])
        return invitation
