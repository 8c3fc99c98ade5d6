"""Business events come from the change log: every use case already logs each change it makes
(core.services.change_log), so a listener that turns log entries into events cannot miss a
transition a later change adds. Listeners are registered by later apps from their
AppConfig.ready() (`core` imports no later app) and are called with the entries of a use case
inside its transaction, after they were inserted — what they write (outbox messages) commits
or rolls back with the change."""

from collections.abc import Callable

_listeners: list[Callable[[list], None]] = []


def on_change_log(listener: Callable[[list], None]) -> Callable[[list], None]:
    """Register `listener(entries)` for every batch of saved change-log entries."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def change_log_written(entries: list) -> None:
    for listener in _listeners:
        listener(entries)
