"""Inventory use cases (being split by document into the modules of this package)."""

from warehouse.services.inventory import *  # noqa: F403
