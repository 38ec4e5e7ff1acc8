from django.apps import AppConfig


class TownhallConfig(AppConfig):
    name = "apps.townhall"
    label = "townhall"
