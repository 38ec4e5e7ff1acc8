"""Push devices for tests, subscribed at the local push service (push_receiver.py)."""

from apps.notifications.models import PushSubscription


def device_at(receiver, user, **fields) -> PushSubscription:
    """A device of `user` whose subscription `receiver` made, so it can decrypt the pushes."""
    info = receiver.subscription()
    return PushSubscription.objects.create(
        user=user,
        endpoint=info["endpoint"],
        p256dh=info["keys"]["p256dh"],
        auth=info["keys"]["auth"],
        **fields,
    )
