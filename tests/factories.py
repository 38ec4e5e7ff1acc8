import factory
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.places.models import InvitationCode, Municipality, MunicipalityRole

PASSWORD = "Gartenzaun-Nachbar-42"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ["official_key"]

    name = factory.Sequence(lambda n: f"Musterdorf {n}")
    slug = factory.Sequence(lambda n: f"musterdorf-{n}")
    official_key = factory.Sequence(lambda n: f"{9_000_000 + n:08d}")
    district = "Landkreis Musterland"
    latitude = 48.8
    longitude = 10.6


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "Anna"
    last_name = factory.Sequence(lambda n: f"Zimmermann{n}")
    home_municipality = factory.SubFactory(MunicipalityFactory)
    reading_radius_km = 5
    email_confirmed_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MunicipalityRole

    user = factory.SubFactory(UserFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    kind = MunicipalityRole.Kind.EDITOR


class InvitationCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvitationCode

    municipality = factory.SubFactory(MunicipalityFactory)


def editor_of(municipality: Municipality, **kwargs) -> User:
    user = UserFactory(home_municipality=municipality, **kwargs)
    RoleFactory(user=user, municipality=municipality, kind=MunicipalityRole.Kind.EDITOR)
    return user


def moderator_of(municipality: Municipality, **kwargs) -> User:
    user = UserFactory(home_municipality=municipality, **kwargs)
    RoleFactory(user=user, municipality=municipality, kind=MunicipalityRole.Kind.MODERATOR)
    return user


def client_for(user: User | None, *, via: str = "token") -> APIClient:
    """An API client signed in as user by token (each request loads the user afresh, as in
    production) or by session; anonymous for None."""
    client = APIClient()
    if user is None:
        return client
    if via == "token":
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    else:
        client.force_login(user)
    return client
