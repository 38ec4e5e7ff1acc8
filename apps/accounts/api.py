"""REST endpoints for accounts: tokens, sign-up, confirmation, passwords, profile."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from apps.core.api import StrictCharField, request_payload
from apps.places.api import MunicipalitySerializer
from apps.places.models import Municipality
from apps.places.selectors import readable_municipalities

from . import services
from .models import User
from .permissions import display_name
from .selectors import profile_get
from .throttling import client_address


class RoleSerializer(serializers.Serializer):
    municipality = serializers.SlugField(source="municipality.slug")
    kind = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    home_municipality = MunicipalitySerializer(read_only=True)
    roles = RoleSerializer(source="municipality_roles", many=True, read_only=True)
    photo = serializers.ImageField(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "public_name",
            "bio",
            "photo",
            "language",
            "home_municipality",
            "reading_radius_km",
            "email_confirmed",
            "roles",
        ]
        read_only_fields = fields


class MeUpdateSerializer(serializers.Serializer):
    first_name = StrictCharField(required=False, max_length=200)
    last_name = StrictCharField(required=False, max_length=200)
    bio = StrictCharField(required=False, allow_blank=True, max_length=2000)
    language = serializers.ChoiceField(required=False, choices=User.Language.choices)
    home_municipality = serializers.SlugField(
        required=False, help_text="Slug of the new home municipality"
    )
    reading_radius_km = serializers.IntegerField(required=False)
    invitation_code = StrictCharField(
        required=False, allow_blank=True, max_length=40, write_only=True
    )


class PublicProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    bio = serializers.CharField()
    photo = serializers.ImageField(allow_null=True)
    municipality = serializers.CharField(allow_null=True)


class AuthThrottle(ScopedRateThrottle):
    scope_attr = "throttle_scope"


class TokenView(APIView):
    """Exchange email and password for an API token (header `Authorization: Token <key>`)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"email": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: None,
            429: None,
        },
    )
    def post(self, request):
        data = request_payload(request)
        email = data.get("email")
        password = data.get("password")
        if not isinstance(email, str) or not isinstance(password, str):
            raise ApiValidationError({"detail": _("E-Mail-Adresse und Passwort sind nötig.")})
        try:
            user = services.user_authenticate(
                email=email, password=password, address=client_address(request)
            )
        except services.LoginPaused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class TokenRevokeView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        """Log out this API client: its token stops working."""
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class SignUpView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AuthThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=inline_serializer(
            "SignUpRequest",
            {
                "email": serializers.CharField(),
                "password": serializers.CharField(),
                "first_name": serializers.CharField(),
                "last_name": serializers.CharField(),
                "language": serializers.ChoiceField(choices=User.Language.choices, required=False),
            },
        ),
        responses={201: MeSerializer},
    )
    def post(self, request):
        fields = {}
        data = request_payload(request)
        for name in ("email", "password", "first_name", "last_name"):
            value = data.get(name, "")
            if not isinstance(value, str):
                raise ApiValidationError({name: _("Bitte als Text angeben.")})
            fields[name] = value
        language = data.get("language", "de")
        if not isinstance(language, str):
            raise ApiValidationError({"language": _("Unbekannte Sprache.")})
        user = services.user_sign_up(**fields, language=language)
        return Response(MeSerializer(user).data, status=status.HTTP_201_CREATED)


def _string_fields(request, *names: str) -> dict[str, str]:
    values = {}
    data = request_payload(request)
    for name in names:
        value = data.get(name, "")
        if not isinstance(value, str) or not value:
            raise ApiValidationError({name: _("Dieses Feld ist nötig.")})
        values[name] = value
    return values


class ConfirmEmailView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=inline_serializer(
            "ConfirmEmailRequest",
            {"uid": serializers.CharField(), "token": serializers.CharField()},
        ),
        responses={200: MeSerializer},
    )
    def post(self, request):
        data = _string_fields(request, "uid", "token")
        user = services.email_confirm(uidb64=data["uid"], token=data["token"])
        return Response(MeSerializer(user).data)


class ResendConfirmationView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AuthThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=inline_serializer("ResendRequest", {"email": serializers.CharField()}),
        responses={202: None},
    )
    def post(self, request):
        data = _string_fields(request, "email")
        services.email_confirmation_resend(email=data["email"])
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AuthThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=inline_serializer("PasswordResetRequest", {"email": serializers.CharField()}),
        responses={202: None},
    )
    def post(self, request):
        data = _string_fields(request, "email")
        services.password_reset_request(email=data["email"])
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=inline_serializer(
            "PasswordResetConfirmRequest",
            {
                "uid": serializers.CharField(),
                "token": serializers.CharField(),
                "new_password": serializers.CharField(),
            },
        ),
        responses={204: None},
    )
    def post(self, request):
        data = _string_fields(request, "uid", "token", "new_password")
        services.password_reset_confirm(
            uidb64=data["uid"], token=data["token"], new_password=data["new_password"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeUpdateSerializer, responses=MeSerializer)
    def patch(self, request):
        """Change profile fields and, together, the home municipality and reading radius."""
        user = request.user
        data = MeUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic():
            if {"first_name", "last_name", "bio", "language"} & values.keys():
                services.profile_update(
                    user=user,
                    first_name=values.get("first_name", user.first_name),
                    last_name=values.get("last_name", user.last_name),
                    bio=values.get("bio", user.bio),
                    language=values.get("language"),
                )
            if {"home_municipality", "reading_radius_km"} & values.keys():
                municipality = user.home_municipality
                if "home_municipality" in values:
                    municipality = Municipality.objects.filter(
                        slug=values["home_municipality"]
                    ).first()
                if municipality is None:
                    message = (
                        _("Diese Gemeinde gibt es nicht.")
                        if "home_municipality" in values
                        else _("Bitte wähle zuerst deine Heimatgemeinde.")
                    )
                    raise ApiValidationError({"home_municipality": message})
                services.home_set(
                    user=user,
                    municipality=municipality,
                    reading_radius_km=values.get("reading_radius_km", user.reading_radius_km),
                    invitation_code=values.get("invitation_code", ""),
                )
        return Response(MeSerializer(user).data)


class MePhotoView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"photo": {"type": "string", "format": "binary"}},
            }
        },
        responses=MeSerializer,
    )
    def put(self, request):
        services.profile_photo_set(user=request.user, upload=request.FILES.get("photo"))
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=None, responses=MeSerializer)
    def delete(self, request):
        services.profile_photo_remove(user=request.user)
        return Response(MeSerializer(request.user).data)


class MePasswordView(APIView):
    @extend_schema(
        request=inline_serializer(
            "PasswordChangeRequest",
            {"old_password": serializers.CharField(), "new_password": serializers.CharField()},
        ),
        responses={204: None},
    )
    def post(self, request):
        data = _string_fields(request, "old_password", "new_password")
        services.password_change(user=request.user, **data)
        # Other API clients of this user keep working; a stolen session does not.
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReadableMunicipalitiesView(APIView):
    @extend_schema(responses=MunicipalitySerializer(many=True))
    def get(self, request):
        """The municipalities whose village content this user reads: home first."""
        return Response(
            MunicipalitySerializer(readable_municipalities(user=request.user), many=True).data
        )


class UserDetailView(APIView):
    @extend_schema(responses=PublicProfileSerializer)
    def get(self, request, user_id: int):
        person = profile_get(viewer=request.user, user_id=user_id)
        data = {
            "id": person.pk,
            "name": display_name(request.user, person),
            "bio": person.bio,
            "photo": person.photo or None,
            "municipality": person.home_municipality.name if person.home_municipality else None,
        }
        return Response(PublicProfileSerializer(data, context={"request": request}).data)
