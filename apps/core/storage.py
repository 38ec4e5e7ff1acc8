"""A storage that stands for one entry of settings.STORAGES, looked up on every use.

A model field evaluates its storage once, at import; this keeps the field following the
settings (tests swap storages for in-memory ones)."""

from django.core.files.storage import Storage, storages


class AliasedStorage(Storage):
    def __init__(self, alias: str):
        self.alias = alias

    @property
    def target(self) -> Storage:
        return storages[self.alias]

    def _open(self, name, mode="rb"):
        return self.target._open(name, mode)

    def _save(self, name, content):
        return self.target._save(name, content)

    def delete(self, name):
        return self.target.delete(name)

    def exists(self, name):
        return self.target.exists(name)

    def size(self, name):
        return self.target.size(name)

    def listdir(self, path):
        return self.target.listdir(path)

    def url(self, name):
        return self.target.url(name)

    def path(self, name):
        return self.target.path(name)

    def get_modified_time(self, name):
        return self.target.get_modified_time(name)


def private_storage() -> AliasedStorage:
    return AliasedStorage("private")
