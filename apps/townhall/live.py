"""Live notices of the town hall over the socket. The notice board of a municipality listens
on its board group (see apps/realtime/PROTOCOL.md, "Notice boards") and refetches its content
on every `board.changed`: the frame carries nothing, so nothing private can leak through it."""

from django.db import transaction

from apps.core.events import publish_to_groups


def board_group(municipality_id: int) -> str:
    return f"board.{municipality_id}"


def board_changed_now(municipality_id: int) -> None:
    publish_to_groups(
        [
            (
                board_group(municipality_id),
                {"type": "event.frame", "frame": {"type": "board.changed"}},
            )
        ]
    )


def board_changed_on_commit(municipality_id: int) -> None:
    transaction.on_commit(lambda: board_changed_now(municipality_id))
