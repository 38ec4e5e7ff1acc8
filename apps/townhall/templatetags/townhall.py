from django import template

from apps.townhall.rendering import news_excerpt, render_news_text
from apps.townhall.selectors import feed_block

register = template.Library()


@register.filter
def news_text(value: str, heading_level: int = 2):
    """{{ news.body|news_text }}: escaped, links clickable, "## " headings and "- " lists."""
    return render_news_text(value or "", heading_level=heading_level)


@register.filter
def news_summary(value: str, length: int = 240) -> str:
    return news_excerpt(value or "", length)


@register.inclusion_tag("townhall/_feed_block.html")
def townhall_feed_block(user):
    """{% townhall_feed_block user %} on top of the feed: current urgent warnings, then the
    newest news of the municipalities the user reads."""
    return {"block": feed_block(user=user)}
