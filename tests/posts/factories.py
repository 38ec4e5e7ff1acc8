"""Factories and image builders for the feed tests."""

import io

import factory
from django.core.files.base import ContentFile
from PIL import Image

from apps.posts.models import Comment, Post, PostPhoto, Thanks
from tests.factories import UserFactory


def jpeg_bytes(size: tuple[int, int] = (32, 24), color=(200, 80, 40), exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    if exif is not None:
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (16, 16)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 120, 0, 128)).save(out, format="PNG")
    return out.getvalue()


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    author = factory.SubFactory(UserFactory)
    municipality = factory.LazyAttribute(lambda post: post.author.home_municipality)
    kind = Post.Kind.CHAT
    category = ""
    title = ""
    body = factory.Sequence(lambda n: f"Beitrag Nummer {n} aus dem Dorf")


class OfferFactory(PostFactory):
    kind = Post.Kind.OFFER
    category = Post.Category.GIVEAWAY
    title = factory.Sequence(lambda n: f"Biete Dinge {n}")


class PostPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostPhoto

    post = factory.SubFactory(PostFactory)
    image = factory.LazyFunction(lambda: ContentFile(jpeg_bytes(), name="photo.jpg"))
    thumbnail = factory.LazyFunction(lambda: ContentFile(jpeg_bytes((8, 6)), name="thumb.jpg"))
    width = 32
    height = 24
    position = factory.Sequence(lambda n: n)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    post = factory.SubFactory(PostFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Kommentar {n}")


class ThanksFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Thanks

    user = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)
    comment = None
