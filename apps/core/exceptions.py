"""Exceptions the services raise that every skin (web, API, socket) answers in its own way."""


class RateLimited(Exception):
    """Too many actions in too short a time; the message says so in the user's language."""
