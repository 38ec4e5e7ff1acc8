"""Every change to a concern report goes through here: check, write in a transaction, then
tell the people concerned after commit."""

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.events import send_event_on_commit
from apps.core.images import process_photos, save_photo
from apps.core.text import clean_line, clean_text
from apps.notifications import triggers as notifications
from apps.places.models import MunicipalityRole

from .models import (
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    MESSAGE_MAX,
    NOTE_MAX,
    PHOTOS_MAX,
    Concern,
    ConcernMessage,
    ConcernPhoto,
    ConcernUpdate,
)
from .permissions import can_handle, can_report, can_write_message

SIX_PLACES = Decimal("0.000001")

# Which status may follow which. A closed report can be reopened (back to "in Bearbeitung"),
# never sent back to "eingegangen".
TRANSITIONS = {
    Concern.Status.RECEIVED: {
        Concern.Status.IN_PROGRESS,
        Concern.Status.DONE,
        Concern.Status.REJECTED,
    },
    Concern.Status.IN_PROGRESS: {Concern.Status.DONE, Concern.Status.REJECTED},
    Concern.Status.DONE: {Concern.Status.IN_PROGRESS},
    Concern.Status.REJECTED: {Concern.Status.IN_PROGRESS},
}


def _photo_max_bytes() -> int:
    return getattr(settings, "CONCERN_PHOTO_MAX_BYTES", settings.POST_PHOTO_MAX_BYTES)


def parse_coordinate(value, *, field: str, bounds: tuple[float, float], errors: dict):
    """A latitude or longitude as typed or tapped ("48,8612" works too), inside Germany.
    Empty is None; anything else that is not a number in range is an error."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    message = _(
        "Bitte wähle einen Punkt in Deutschland (Breite %(lat)s bis %(lat_max)s, Länge %(lon)s "
        "bis %(lon_max)s)."
    ) % {"lat": "47,2", "lat_max": "55,1", "lon": "5,8", "lon_max": "15,1"}
    if isinstance(value, bool):
        errors[field] = message
        return None
    try:
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
            if len(value) > 30:
                raise ValueError
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise ValueError
    except (InvalidOperation, ValueError, TypeError):
        errors[field] = _("Bitte gib eine Zahl an, z. B. 48,8612.")
        return None
    if not math.isfinite(float(number)) or not bounds[0] <= number <= bounds[1]:
        errors[field] = message
        return None
    return number.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)


def _check_place(address: str, latitude, longitude, errors: dict):
    address = clean_line(address)
    if len(address) > ADDRESS_MAX:
        errors["address"] = _("Die Ortsangabe darf höchstens %(max)s Zeichen lang sein.") % {
            "max": ADDRESS_MAX
        }
    lat = parse_coordinate(latitude, field="latitude", bounds=LATITUDE_RANGE, errors=errors)
    lon = parse_coordinate(longitude, field="longitude", bounds=LONGITUDE_RANGE, errors=errors)
    if "latitude" not in errors and "longitude" not in errors and (lat is None) != (lon is None):
        field = "longitude" if lon is None else "latitude"
        errors[field] = _("Bitte gib Breite und Länge an, oder keine von beiden.")
    point_errors = errors.keys() & {"latitude", "longitude"}
    if not address and lat is None and lon is None and not point_errors:
        errors["address"] = _(
            "Bitte sag uns, wo das ist: eine Adresse, eine Beschreibung oder ein Punkt auf der "
            "Karte."
        )
    return address, lat, lon


def _check_text(value: str, *, field: str, limit: int, required: str | None, errors: dict) -> str:
    value = clean_text(value)
    if required and not value:
        errors[field] = required
    elif len(value) > limit:
        errors[field] = _("Höchstens %(max)s Zeichen.") % {"max": limit}
    return value


def _process_photos(uploads: Sequence, errors: dict) -> list:
    if len(uploads) > PHOTOS_MAX:
        errors["photos"] = _("Höchstens %(max)s Fotos pro Meldung.") % {"max": PHOTOS_MAX}
        return []
    return process_photos(uploads, max_bytes=_photo_max_bytes(), errors=errors)


def _store_photos(concern: Concern, processed: list) -> None:
    for position, (image, thumbnail) in enumerate(processed):
        save_photo(ConcernPhoto(concern=concern, position=position), image, thumbnail)


def concern_create(
    *,
    reporter,
    category: str,
    description: str,
    address: str = "",
    latitude=None,
    longitude=None,
    photos: Sequence = (),
) -> Concern:
    """A new report to the town hall of the reporter's home municipality."""
    if not can_report(reporter):
        raise PermissionDenied(_("Bitte bestätige deine E-Mail-Adresse und wähle deine Gemeinde."))
    errors: dict = {}
    if category not in Concern.Category.values:
        errors["category"] = _("Bitte wähle eine Kategorie.")
    description = _check_text(
        description,
        field="description",
        limit=DESCRIPTION_MAX,
        required=_("Bitte beschreib kurz, was los ist."),
        errors=errors,
    )
    address, lat, lon = _check_place(address, latitude, longitude, errors)
    processed = _process_photos(list(photos), errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        concern = Concern.objects.create(
            municipality_id=reporter.home_municipality_id,
            reporter=reporter,
            category=category,
            description=description,
            address=address,
            latitude=lat,
            longitude=lon,
        )
        _store_photos(concern, processed)
        _publish_changed(concern, exclude=reporter.pk)
    return concern


def _town_hall_ids(concern: Concern) -> list[int]:
    return list(
        MunicipalityRole.objects.filter(
            municipality_id=concern.municipality_id, kind=MunicipalityRole.Kind.EDITOR
        ).values_list("user_id", flat=True)
    )


def _publish_changed(concern: Concern, *, exclude: int | None = None) -> None:
    """A live hint to the reporter and the town hall; their pages reload what changed."""
    ids = {*_town_hall_ids(concern), concern.reporter_id} - {None, exclude}
    send_event_on_commit(sorted(ids), {"type": "concerns.changed", "concern": concern.pk})


def _after_status_change(
    concern: Concern, update: ConcernUpdate, message: ConcernMessage | None
) -> None:
    """What follows a committed status change. The notifications app will add in-app, push
    and email for the reporter here; for now the live frame."""
    _publish_changed(concern, exclude=update.actor_id)
    notifications.concern_status_changed(concern=concern, update=update)


def _after_message(concern: Concern, message: ConcernMessage) -> None:
    """What follows a committed message; notifications will hook in here too."""
    _publish_changed(concern, exclude=message.author_id)
    notifications.concern_message_written(concern=concern, message=message)


def concern_set_status(
    *, actor, concern: Concern, status: str, message: str = "", public_note: str = ""
) -> ConcernUpdate:
    """Move the report on; the message goes to the reporter in private, the public note is
    shown on the published report."""
    if not can_handle(actor, concern):
        raise PermissionDenied(_("Nur das Rathaus der Gemeinde kann den Status ändern."))
    errors: dict = {}
    if status not in Concern.Status.values:
        errors["status"] = _("Unbekannter Status.")
    message = _check_text(message, field="message", limit=MESSAGE_MAX, required=None, errors=errors)
    public_note = _check_text(
        public_note, field="public_note", limit=NOTE_MAX, required=None, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Locked, so two clerks clicking at once cannot both move it from the same status.
        current = Concern.objects.select_for_update().get(pk=concern.pk)
        if status not in TRANSITIONS[current.status]:
            raise ValidationError(
                {
                    "status": _("Von „%(old)s“ geht es nicht zu „%(new)s“.")
                    % {
                        "old": current.get_status_display(),
                        "new": Concern.Status(status).label,
                    }
                }
            )
        update = ConcernUpdate.objects.create(
            concern=concern,
            actor=actor,
            old_status=current.status,
            new_status=status,
            public_note=public_note,
        )
        Concern.objects.filter(pk=concern.pk).update(status=status, updated_at=timezone.now())
        concern.status = status
        written = None
        if message:
            written = ConcernMessage.objects.create(
                concern=concern, author=actor, from_town_hall=True, body=message, update=update
            )
        _after_status_change(concern, update, written)
    return update


def message_create(*, author, concern: Concern, body: str) -> ConcernMessage:
    if not can_write_message(author, concern):
        raise PermissionDenied(_("Du kannst zu dieser Meldung nicht schreiben."))
    errors: dict = {}
    body = _check_text(
        body,
        field="body",
        limit=MESSAGE_MAX,
        required=_("Bitte schreib eine Nachricht."),
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    # The reporter writes as themselves even if they work at the town hall too.
    from_town_hall = concern.reporter_id != author.pk
    with transaction.atomic():
        message = ConcernMessage.objects.create(
            concern=concern, author=author, from_town_hall=from_town_hall, body=body
        )
        Concern.objects.filter(pk=concern.pk).update(updated_at=timezone.now())
        _after_message(concern, message)
    return message


def concern_assign(*, actor, concern: Concern, assignee) -> Concern:
    """Hand the report to a colleague: another editor of the same municipality (or nobody)."""
    if not can_handle(actor, concern):
        raise PermissionDenied(_("Nur das Rathaus der Gemeinde kann Meldungen zuweisen."))
    if (
        assignee is not None
        and not MunicipalityRole.objects.filter(
            user=assignee,
            municipality_id=concern.municipality_id,
            kind=MunicipalityRole.Kind.EDITOR,
            user__is_active=True,
        ).exists()
    ):
        raise ValidationError(
            {"assignee": _("Zuweisen kannst du nur an das Rathaus-Team dieser Gemeinde.")}
        )
    with transaction.atomic():
        concern.assignee = assignee
        concern.save(update_fields=["assignee", "updated_at"])
        _publish_changed(concern, exclude=actor.pk)
    return concern


def concern_publish(
    *,
    actor,
    concern: Concern,
    published: bool,
    public_text: str = "",
    photos_public: bool = False,
) -> Concern:
    """Show the report as "Schon gemeldet" (never with the reporter's name), or take it back.
    public_text replaces the description in public, for when it names people."""
    if not can_handle(actor, concern):
        raise PermissionDenied(_("Nur das Rathaus der Gemeinde kann Meldungen veröffentlichen."))
    errors: dict = {}
    public_text = _check_text(
        public_text, field="public_text", limit=DESCRIPTION_MAX, required=None, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if published:
            concern.published_at = concern.published_at or timezone.now()
            concern.public_text = public_text
            concern.photos_public = bool(photos_public)
        else:
            concern.published_at = None
            concern.photos_public = False
        concern.save(update_fields=["published_at", "public_text", "photos_public", "updated_at"])
        _publish_changed(concern, exclude=actor.pk)
    return concern
