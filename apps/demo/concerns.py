"""Demo concern reports ("Sag's uns") in every status, with the exchange between reporter and
town hall, one of them published as "Schon gemeldet". Written through the concern services
like real ones; running the seed again replaces them."""

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from apps.concerns import services
from apps.concerns.models import Concern, ConcernMessage, ConcernPhoto, ConcernUpdate
from apps.places.models import Municipality

from .feed import ANNA, JONAS, KARL, LENA, MARIA, PETRA, SABINE, THOMAS

S = Concern.Status


@dataclass(frozen=True)
class DemoConcern:
    reporter: str
    editor: str
    category: str
    description: str
    address: str
    # Offset in degrees from the municipality's point, or None for an address only.
    offset: tuple[float, float] | None
    days_ago: int
    # (status, message to the reporter, public note)
    steps: tuple = ()
    answer: str = ""
    photo: str = ""
    assign: bool = False
    publish: bool = False


CONCERNS = [
    DemoConcern(
        reporter=ANNA,
        editor=PETRA,
        category=Concern.Category.ROAD,
        description="Tiefes Schlagloch in der Hauptstraße, direkt vor der Bäckerei. "
        "Radfahrer müssen ausweichen.",
        address="Hauptstraße 14",
        offset=(0.0012, -0.0008),
        days_ago=1,
        photo="pothole",
    ),
    DemoConcern(
        reporter=KARL,
        editor=PETRA,
        category=Concern.Category.STREET_LIGHT,
        description="Die Straßenlaterne am Spielplatzweg ist seit einer Woche aus. "
        "Abends ist es dort stockdunkel.",
        address="Spielplatzweg, Ecke Lindenstraße",
        offset=(-0.0021, 0.0015),
        days_ago=6,
        steps=((S.IN_PROGRESS, "Danke für den Hinweis! Der Bauhof tauscht die Lampe aus.", ""),),
        answer="Super, danke! Sie flackert übrigens auch manchmal schon tagsüber.",
        assign=True,
    ),
    DemoConcern(
        reporter=JONAS,
        editor=THOMAS,
        category=Concern.Category.DUMPING,
        description="Am Waldparkplatz hat jemand alte Autoreifen und Bauschutt abgeladen.",
        address="Waldparkplatz an der Kreisstraße",
        offset=(0.0034, 0.0041),
        days_ago=12,
        steps=(
            (S.IN_PROGRESS, "", "Der Bauhof ist informiert."),
            (
                S.DONE,
                "Der Müll ist abgeholt. Vielen Dank fürs Melden!",
                "Abgeholt und entsorgt.",
            ),
        ),
        answer="Prima, das ging schnell!",
        photo="dumping",
        publish=True,
    ),
    DemoConcern(
        reporter=MARIA,
        editor=THOMAS,
        category=Concern.Category.TRAFFIC_SIGN,
        description="Das Stoppschild an der Kreuzung Mühlweg ist umgefahren worden.",
        address="Kreuzung Mühlweg / Bachstraße",
        offset=None,
        days_ago=3,
        steps=((S.IN_PROGRESS, "", "Ein neues Schild ist bestellt."),),
        publish=True,
    ),
    DemoConcern(
        reporter=LENA,
        editor=SABINE,
        category=Concern.Category.PLAYGROUND,
        description="Auf dem Spielplatz am Dorfweiher wackelt die Schaukel.",
        address="Spielplatz am Dorfweiher",
        offset=(-0.0010, -0.0022),
        days_ago=20,
        steps=(
            (
                S.REJECTED,
                "Der Spielplatz gehört dem Sportverein, nicht der Gemeinde. Bitte wende dich "
                "an den Vorstand; wir haben ihm auch Bescheid gegeben.",
                "",
            ),
        ),
        answer="Alles klar, dann frage ich dort nach.",
    ),
]


@dataclass
class ConcernSummary:
    concerns: int
    messages: int
    published: int

    def __str__(self) -> str:
        return (
            f"Sag's uns: {self.concerns} reports, {self.messages} messages, "
            f"{self.published} published"
        )


def _photo(kind: str, name: str) -> SimpleUploadedFile:
    """A small picture drawn here, so the demo needs no image files."""
    image = Image.new("RGB", (800, 600), (128, 128, 128))
    draw = ImageDraw.Draw(image)
    if kind == "pothole":
        draw.rectangle((0, 300, 800, 600), fill=(90, 90, 95))
        draw.ellipse((280, 380, 540, 500), fill=(40, 35, 30))
    else:
        draw.rectangle((0, 0, 800, 400), fill=(70, 120, 70))
        draw.rectangle((0, 400, 800, 600), fill=(150, 130, 100))
        for x in (180, 300, 420):
            draw.ellipse((x, 380, x + 120, 500), outline=(20, 20, 20), width=18)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile(f"{name}.jpg", out.getvalue(), content_type="image/jpeg")


def _remove_earlier(people: Sequence) -> None:
    """The demo people's reports go, with their photo files."""
    earlier = Concern.objects.filter(reporter__in=list(people))
    files = [
        (field.storage, field.name)
        for photo in ConcernPhoto.objects.filter(concern__in=earlier)
        for field in (photo.image, photo.thumbnail)
    ]
    earlier.delete()

    def delete_files():
        for storage, name in files:
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)


def _create(spec: DemoConcern, index: int, by_email: dict, now: dt.datetime) -> Concern:
    reporter = by_email[spec.reporter]
    editor = by_email[spec.editor]
    home: Municipality = reporter.home_municipality
    point = (
        (round(home.latitude + spec.offset[0], 6), round(home.longitude + spec.offset[1], 6))
        if spec.offset
        else (None, None)
    )
    concern = services.concern_create(
        reporter=reporter,
        category=spec.category,
        description=spec.description,
        address=spec.address,
        latitude=point[0],
        longitude=point[1],
        photos=[_photo(spec.photo, f"demo-concern-{index}")] if spec.photo else [],
    )
    created = now - dt.timedelta(days=spec.days_ago, hours=3)
    moments = []
    for number, (status, message, note) in enumerate(spec.steps):
        services.concern_set_status(
            actor=editor, concern=concern, status=status, message=message, public_note=note
        )
        moments.append(created + dt.timedelta(days=(number + 1) * spec.days_ago / 4))
    if spec.answer:
        services.message_create(author=reporter, concern=concern, body=spec.answer)
    if spec.assign:
        services.concern_assign(actor=editor, concern=concern, assignee=editor)
    if spec.publish:
        services.concern_publish(
            actor=editor, concern=concern, published=True, photos_public=bool(spec.photo)
        )
    _backdate(concern, created, moments, now)
    return concern


def _backdate(concern: Concern, created: dt.datetime, moments: list, now: dt.datetime) -> None:
    """Spread the report's history over the days before now, in order."""
    Concern.objects.filter(pk=concern.pk).update(created_at=created, updated_at=now)
    updates = list(ConcernUpdate.objects.filter(concern=concern).order_by("id"))
    for update, moment in zip(updates, moments, strict=True):
        ConcernUpdate.objects.filter(pk=update.pk).update(created_at=moment)
        ConcernMessage.objects.filter(update=update).update(created_at=moment)
    last = moments[-1] if moments else created
    ConcernMessage.objects.filter(concern=concern, update__isnull=True).update(
        created_at=min(last + dt.timedelta(hours=2), now)
    )
    if concern.published_at:
        Concern.objects.filter(pk=concern.pk).update(published_at=last)


def seed_concerns(
    *, people: Sequence, municipalities: dict[str, Municipality], now: dt.datetime
) -> ConcernSummary:
    """Replace the demo people's reports by the demo reports. `municipalities` (slug ->
    Municipality) are the demo municipalities; reports go to each reporter's home."""
    by_email = {person.email.lower(): person for person in people}
    with transaction.atomic():
        _remove_earlier(people)
        concerns = [
            _create(spec, index, by_email, now)
            for index, spec in enumerate(CONCERNS)
            if spec.reporter in by_email
            and spec.editor in by_email
            and by_email[spec.reporter].home_municipality_id
            in {m.pk for m in municipalities.values()}
        ]
    ids = [concern.pk for concern in concerns]
    return ConcernSummary(
        concerns=len(ids),
        messages=ConcernMessage.objects.filter(concern_id__in=ids).count(),
        published=Concern.objects.filter(pk__in=ids, published_at__isnull=False).count(),
    )
