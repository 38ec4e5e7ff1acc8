import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import ngettext, pgettext

register = template.Library()


@register.filter
def concern_age(created_at: dt.datetime, now: dt.datetime | None = None) -> str:
    """ "seit 3 Tagen": how long a report has waited, in whole days."""
    now = now or timezone.now()
    days = max((timezone.localdate(now) - timezone.localdate(created_at)).days, 0)
    if days == 0:
        return pgettext("concern age", "seit heute")
    return ngettext("seit %(n)s Tag", "seit %(n)s Tagen", days) % {"n": days}
