from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "apps.concerns"
    label = "concerns"
