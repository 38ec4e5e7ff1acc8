"""RSS 2.0 and Atom feeds of a municipality's public news, for feed readers and the
websites of the municipality."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from apps.places.selectors import municipality_get

from .rendering import render_news_text
from .selectors import syndication_items


class NewsRssFeed(Feed):
    def get_object(self, request, slug: str):
        return municipality_get(slug=slug)

    def title(self, municipality) -> str:
        return _("Rathaus %(name)s") % {"name": municipality.name}

    def link(self, municipality) -> str:
        return reverse("townhall:news_list", kwargs={"slug": municipality.slug})

    def description(self, municipality) -> str:
        return _("Meldungen und Warnungen der Gemeinde %(name)s") % {"name": municipality.name}

    def items(self, municipality):
        return syndication_items(municipality=municipality)

    def item_title(self, news) -> str:
        return _("Warnung: %(title)s") % {"title": news.title} if news.urgent else news.title

    def item_description(self, news) -> str:
        return str(render_news_text(news.body))

    def item_link(self, news) -> str:
        return reverse(
            "townhall:news_detail", kwargs={"slug": news.municipality.slug, "pk": news.pk}
        )

    def item_pubdate(self, news):
        return news.publish_at

    def item_updateddate(self, news):
        return news.edited_at or news.publish_at

    def item_author_name(self, news) -> str:
        # The town hall speaks, never a named clerk.
        return _("Rathaus %(name)s") % {"name": news.municipality.name}


class NewsAtomFeed(NewsRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, municipality) -> str:
        return self.description(municipality)
