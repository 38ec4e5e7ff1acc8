"""How a notification reads and where it leads: from the row alone, no queries beyond the
actor and municipality that the selectors already joined."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Notification

Kind = Notification.Kind

TARGET_URLS = {
    Notification.TargetType.POST: "posts:detail",
    Notification.TargetType.CONVERSATION: "chat:detail",
    Notification.TargetType.NEWS: "townhall:news_detail",
    Notification.TargetType.EVENT: "events:detail",
    Notification.TargetType.CONCERN: "concerns:detail",
}


def target_url(notification: Notification) -> str:
    """The target's page. News pages live under their municipality, so those need the
    notification's municipality (the selectors join it)."""
    name = TARGET_URLS.get(notification.target_type)
    kwargs = {"pk": notification.target_id}
    if notification.target_type == Notification.TargetType.NEWS:
        if notification.municipality_id is None:
            name = None
        else:
            kwargs["slug"] = notification.municipality.slug
    if name is None:
        return reverse("notifications:list")
    return reverse(name, kwargs=kwargs)


def _who(notification: Notification) -> str:
    actor = notification.actor
    name = actor.public_name if actor is not None else _("Jemand")
    others = notification.count - 1
    if others <= 0:
        return name
    return ngettext(
        "%(name)s und %(n)s weitere Person", "%(name)s und %(n)s weitere Personen", others
    ) % {"name": name, "n": others}


def notification_text(notification: Notification) -> str:
    """One sentence; collapsed ones say how many ("3 neue Kommentare zu „…“")."""
    n = notification.count
    actor = notification.actor
    values = {
        "n": n,
        "title": notification.title,
        # Everyone who said Danke counts once; comments and messages may come from the same
        # person again, so those name only the latest.
        "who": _who(notification),
        "latest": actor.public_name if actor is not None else _("Jemand"),
    }
    kind = notification.kind
    if kind == Kind.COMMENT:
        return (
            ngettext(
                "%(latest)s hat deinen Beitrag „%(title)s“ kommentiert.",
                "%(n)s neue Kommentare zu deinem Beitrag „%(title)s“, zuletzt von %(latest)s.",
                n,
            )
            % values
        )
    if kind == Kind.COMMENT_REPLY:
        return (
            ngettext(
                "%(latest)s hat auch „%(title)s“ kommentiert.",
                "%(n)s neue Antworten zu „%(title)s“, zuletzt von %(latest)s.",
                n,
            )
            % values
        )
    if kind == Kind.THANKS:
        return _("%(who)s sagt Danke für „%(title)s“.") % values
    if kind == Kind.MESSAGE:
        return (
            ngettext(
                "Neue Nachricht von %(latest)s in „%(title)s“.",
                "%(n)s neue Nachrichten in „%(title)s“, zuletzt von %(latest)s.",
                n,
            )
            % values
        )
    if kind == Kind.NEWS:
        return _("Neues vom Rathaus: „%(title)s“") % values
    if kind == Kind.URGENT_WARNING:
        return _("Dringende Warnung: „%(title)s“") % values
    if kind == Kind.CONCERN_STATUS:
        return _("Deine Meldung „%(title)s“ hat einen neuen Status.") % values
    if kind == Kind.CONCERN_MESSAGE:
        return (
            ngettext(
                "Das Rathaus hat dir zu „%(title)s“ geschrieben.",
                "Das Rathaus hat dir %(n)s Nachrichten zu „%(title)s“ geschrieben.",
                n,
            )
            % values
        )
    if kind == Kind.EVENT_CANCELLED:
        return _("Die Veranstaltung „%(title)s“ ist abgesagt.") % values
    if kind == Kind.EVENT_CHANGED:
        return _("Bei der Veranstaltung „%(title)s“ hat sich etwas geändert.") % values
    return notification.title
