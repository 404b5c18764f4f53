"""Persistence for services: one connection per service, a tenant-scoped generic repository."""

from shared.database.connection import DatabaseConnection
from shared.database.pagination import Page, PageRequest
from shared.database.repository import Entity, Repository
from shared.database.types import UtcDateTime

__all__ = ["DatabaseConnection", "Entity", "Page", "PageRequest", "Repository", "UtcDateTime"]
