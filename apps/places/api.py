"""REST endpoints for municipalities and invitation codes."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import StrictCharField

from . import services
from .models import InvitationCode, Municipality
from .selectors import (
    invitation_codes_for,
    municipality_get,
    municipality_managed_by,
    municipality_search,
)


class MunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = [
            "id",
            "name",
            "slug",
            "official_key",
            "district",
            "latitude",
            "longitude",
            "signup_policy",
            "netiquette",
        ]
        read_only_fields = fields


class InvitationCodeSerializer(serializers.ModelSerializer):
    usable = serializers.SerializerMethodField()

    class Meta:
        model = InvitationCode
        fields = [
            "id",
            "code",
            "note",
            "max_uses",
            "use_count",
            "expires_at",
            "revoked_at",
            "created_at",
            "usable",
        ]
        read_only_fields = ["id", "code", "use_count", "revoked_at", "created_at", "usable"]

    def get_usable(self, obj: InvitationCode) -> bool:
        return obj.is_usable()


class InvitationCodeCreateSerializer(serializers.Serializer):
    note = StrictCharField(required=False, allow_blank=True, max_length=400, default="")
    max_uses = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=100_000, default=None
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class MunicipalityListView(APIView):
    """Search municipalities by name, district or official key. Open to everyone, so that a
    visitor can find their village before signing up."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Name, Landkreis or the start of the AGS"),
            OpenApiParameter("limit", int, description="At most this many results (1 to 50)"),
        ],
        responses=MunicipalitySerializer(many=True),
    )
    def get(self, request):
        try:
            limit = min(max(int(request.query_params.get("limit", 20)), 1), 50)
        except ValueError:
            limit = 20
        results = municipality_search(query=request.query_params.get("q", ""), limit=limit)
        return Response(MunicipalitySerializer(results, many=True).data)


class MunicipalityDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=MunicipalitySerializer)
    def get(self, request, slug: str):
        return Response(MunicipalitySerializer(municipality_get(slug=slug)).data)


class InvitationCodeListView(APIView):
    """The invitation codes of a municipality; town-hall editors only."""

    @extend_schema(responses=InvitationCodeSerializer(many=True))
    def get(self, request, slug: str):
        municipality = municipality_managed_by(user=request.user, slug=slug)
        codes = invitation_codes_for(municipality=municipality)
        return Response(InvitationCodeSerializer(codes, many=True).data)

    @extend_schema(
        request=InvitationCodeCreateSerializer, responses={201: InvitationCodeSerializer}
    )
    def post(self, request, slug: str):
        municipality = municipality_managed_by(user=request.user, slug=slug)
        data = InvitationCodeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invitation_code_create(
            actor=request.user, municipality=municipality, **data.validated_data
        )
        return Response(InvitationCodeSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationCodeDetailView(APIView):
    @extend_schema(request=None, responses=InvitationCodeSerializer)
    def delete(self, request, slug: str, pk: int):
        """Revoke the code: it stays listed but can no longer be redeemed."""
        municipality = municipality_managed_by(user=request.user, slug=slug)
        invitation = get_object_or_404(InvitationCode, pk=pk, municipality=municipality)
        invitation = services.invitation_code_revoke(actor=request.user, invitation=invitation)
        return Response(InvitationCodeSerializer(invitation).data)
