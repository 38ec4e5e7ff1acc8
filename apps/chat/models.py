import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MESSAGE_MAX = 4000
TITLE_MAX = 80
# How long after sending the author may still edit or delete a message.
EDIT_WINDOW = dt.timedelta(minutes=15)


class Conversation(models.Model):
    """A private conversation between two people, or a group conversation."""

    class Kind(models.TextChoices):
        DIRECT = "direct", _("Zwei Personen")
        GROUP = "group", _("Gruppe")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(_("Name"), max_length=TITLE_MAX, blank=True)
    # "<smaller user id>:<larger user id>" for a direct conversation, so each pair has one.
    direct_key = models.CharField(max_length=41, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The newest message, for the list of conversations (newest first, with a preview).
    last_message = models.ForeignKey(
        "Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_activity_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The change-log number of this conversation's latest change. Each change's frame says
    # the one before it, so a socket sees when a frame between them never arrived.
    last_seq = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("Unterhaltung")
        verbose_name_plural = _("Unterhaltungen")
        constraints = [
            models.UniqueConstraint(
                fields=["direct_key"],
                condition=~models.Q(direct_key=""),
                name="one_direct_conversation_per_pair",
            )
        ]

    def __str__(self) -> str:
        return self.title or f"{self.kind} {self.pk}"


class Participant(models.Model):
    """Someone's place in a conversation: what they have read, and whether it is muted.
    Leaving a group deletes the row, and with it all access."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_participations"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    last_read_message_id = models.BigIntegerField(default=0)
    # Kept by the services, so the unread badge on every page is one small query.
    unread_count = models.PositiveIntegerField(default=0)
    muted = models.BooleanField(_("stumm"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="one_participant_each")
        ]
        indexes = [models.Index(fields=["user", "conversation"], name="participant_user")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_messages"
    )
    body = models.TextField(_("Nachricht"), max_length=MESSAGE_MAX)
    # Chosen by the sending client; a retried send with the same id is the same message.
    client_id = models.CharField(max_length=64)
    # The Biete/Suche post a private answer is about ("Privat antworten").
    post = models.ForeignKey(
        "posts.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Position in the one change log of all conversations: a new number on every send, edit
    # and deletion, in commit order. Clients resync from the last one they saw.
    seq = models.BigIntegerField(unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"], name="one_message_per_client_id"
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "id"], name="message_conversation"),
            # The rate limit counts a person's messages of the last seconds.
            models.Index(fields=["author", "created_at"], name="message_author_recent"),
        ]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Counter(models.Model):
    """A named counter that hands out numbers in commit order: taking a number locks the row
    until the transaction ends, so a later number never becomes visible before an earlier one."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
