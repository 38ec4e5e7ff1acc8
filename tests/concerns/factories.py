"""Factories and uploads for the concern tests."""

import io

import factory
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.concerns.models import Concern, ConcernMessage, ConcernPhoto
from tests.factories import UserFactory


def jpeg_bytes(size=(64, 48), color=(120, 120, 120), exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    if exif is not None:
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


class ConcernFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Concern

    reporter = factory.SubFactory(UserFactory)
    municipality = factory.LazyAttribute(lambda concern: concern.reporter.home_municipality)
    category = Concern.Category.ROAD
    description = factory.Sequence(lambda n: f"Tiefes Schlagloch Nummer {n}")
    address = "Hauptstraße 12"


class ConcernPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConcernPhoto

    concern = factory.SubFactory(ConcernFactory)
    image = factory.LazyFunction(lambda: ContentFile(jpeg_bytes(), name="photo.jpg"))
    thumbnail = factory.LazyFunction(lambda: ContentFile(jpeg_bytes((8, 6)), name="thumb.jpg"))
    width = 64
    height = 48


class ConcernMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConcernMessage

    concern = factory.SubFactory(ConcernFactory)
    author = factory.LazyAttribute(lambda message: message.concern.reporter)
    body = "Es ist immer noch da."
