"""Fill an installation with three neighbouring demo municipalities, their people and a lively
village feed (apps/demo/feed.py) and conversations (apps/demo/chat.py).

Safe to run again: it finds what it made before and brings it back to the demo state."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.demo.chat import seed_chats
from apps.demo.concerns import seed_concerns
from apps.demo.events import seed_events
from apps.demo.feed import seed_feed
from apps.demo.townhall import seed_townhall
from apps.places.models import InvitationCode, Municipality, MunicipalityRole

DEMO_PASSWORD = "DorfFunk-Demo-2026"
DEMO_INVITATION_CODE = "KIRCHWALD26"
DEMO_READING_RADIUS_KM = 12

NETIQUETTE = (
    "Wir gehen freundlich miteinander um, bleiben beim Thema und schreiben nichts über "
    "andere, was wir ihnen nicht auch ins Gesicht sagen würden."
)

MUNICIPALITIES = [
    {
        "official_key": "09779131",
        "name": "Lindenbach",
        "slug": "lindenbach",
        "district": "Landkreis Donau-Ries",
        "latitude": 48.8612,
        "longitude": 10.6523,
        "signup_policy": Municipality.SignupPolicy.OPEN,
    },
    {
        "official_key": "09779133",
        "name": "Oberau",
        "slug": "oberau",
        "district": "Landkreis Donau-Ries",
        "latitude": 48.8950,
        "longitude": 10.7011,
        "signup_policy": Municipality.SignupPolicy.OPEN,
        "residents_may_create_events": True,
    },
    {
        "official_key": "09779141",
        "name": "Kirchwald",
        "slug": "kirchwald",
        "district": "Landkreis Donau-Ries",
        "latitude": 48.8301,
        "longitude": 10.5902,
        "signup_policy": Municipality.SignupPolicy.INVITATION,
    },
]

# (municipality slug, email, first name, last name, role or None for a resident)
PEOPLE = [
    ("lindenbach", "anna.mueller@lindenbach.example", "Anna", "Müller", None),
    ("lindenbach", "karl.schneider@lindenbach.example", "Karl", "Schneider", "moderator"),
    ("lindenbach", "rathaus@lindenbach.example", "Petra", "Weber", "editor"),
    ("oberau", "jonas.becker@oberau.example", "Jonas", "Becker", None),
    ("oberau", "maria.hoffmann@oberau.example", "Maria", "Hoffmann", "moderator"),
    ("oberau", "rathaus@oberau.example", "Thomas", "Wagner", "editor"),
    ("kirchwald", "lena.schulz@kirchwald.example", "Lena", "Schulz", None),
    ("kirchwald", "hans.fischer@kirchwald.example", "Hans", "Fischer", "moderator"),
    ("kirchwald", "rathaus@kirchwald.example", "Sabine", "Koch", "editor"),
]

ADMIN_EMAIL = "admin@dorffunk.example"


class Command(BaseCommand):
    help = (
        "Create or refresh the demo municipalities, demo people, their village feed and "
        "conversations, and print how to log in."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        municipalities = {}
        for data in MUNICIPALITIES:
            values = {**data, "netiquette": NETIQUETTE}
            municipality, _ = Municipality.objects.update_or_create(
                official_key=data["official_key"], defaults=values
            )
            municipalities[municipality.slug] = municipality

        now = timezone.now()
        rows = []
        people = []
        for slug, email, first, last, role in PEOPLE:
            user = self._person(email, first, last, municipalities[slug], now)
            people.append(user)
            if role:
                MunicipalityRole.objects.get_or_create(
                    user=user, municipality=municipalities[slug], kind=role
                )
            rows.append((municipalities[slug].name, role or "resident", email))

        admin = self._person(ADMIN_EMAIL, "Betrieb", "Team", municipalities["lindenbach"], now)
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])

        InvitationCode.objects.update_or_create(
            code=DEMO_INVITATION_CODE,
            defaults={
                "municipality": municipalities["kirchwald"],
                "note": "Demo",
                "max_uses": None,
                "expires_at": None,
                "revoked_at": None,
            },
        )
        feed = seed_feed(people=people, now=now)
        chats = seed_chats(people=people, now=now)
        events = seed_events(people=people, municipalities=municipalities, now=now)
        news = seed_townhall(people=people, municipalities=municipalities, now=now)
        concerns = seed_concerns(people=people, municipalities=municipalities, now=now)
        self._print(rows, feed, chats, events, news, concerns)

    def _person(self, email, first, last, municipality, now) -> User:
        user = User.objects.filter(email__iexact=email).first() or User(email=email)
        user.first_name, user.last_name = first, last
        user.home_municipality = municipality
        # Wide enough that the three demo villages read each other.
        user.reading_radius_km = DEMO_READING_RADIUS_KM
        user.email_confirmed_at = user.email_confirmed_at or now
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        return user

    def _print(self, rows, *summaries) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS("Demo data is ready."))
        out.write(f"Password for every demo account: {DEMO_PASSWORD}")
        width = max(len(email) for *_, email in rows)
        for municipality, role, email in rows:
            out.write(f"  {email.ljust(width)}  {role:<10} {municipality}")
        out.write(f"  {ADMIN_EMAIL.ljust(width)}  site staff (admin at /verwaltung/)")
        out.write(f"Invitation code for Kirchwald: {DEMO_INVITATION_CODE}")
        for summary in summaries:
            out.write(str(summary))
