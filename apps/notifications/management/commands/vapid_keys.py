from django.core.management.base import BaseCommand

from apps.notifications.vapid import new_key_pair


class Command(BaseCommand):
    help = "Print a new VAPID key pair for Web Push, as environment variables."

    def handle(self, *args, **options):
        pair = new_key_pair()
        self.stdout.write(f"VAPID_PRIVATE_KEY={pair.private}")
        self.stdout.write(f"VAPID_PUBLIC_KEY={pair.public}")
