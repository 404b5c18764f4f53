"""Persistence for services: one connection per service, a tenant-scoped generic repository."""

from shared.database.connection import DatabaseConnection
from shared.database.repository import Repository, entity_columns
from shared.database.types import UtcDateTime, enum_column
from shared.resources.entity import Entity, utc_now
from shared.resources.pages import Page, PageRequest

__all__ = [
    "DatabaseConnection",
    "Entity",
    "Page",
    "PageRequest",
    "Repository",
    "UtcDateTime",
    "entity_columns",
    "enum_column",
    "utc_now",
]
