from django import template

from apps.core.rendering import render_plain_text

register = template.Library()


@register.filter
def plain_text(value: str):
    """{{ post.body|plain_text }}: escaped, links clickable, line breaks kept."""
    return render_plain_text(value or "")
