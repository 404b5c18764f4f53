"""Whom a service acted for, with each audit entry waiting: a revision every service shares."""

from shared.database.shared_revisions import AUDIT_ON_BEHALF_OF

revision, down_revision, upgrade, downgrade = AUDIT_ON_BEHALF_OF.at("0006", after="0005")
