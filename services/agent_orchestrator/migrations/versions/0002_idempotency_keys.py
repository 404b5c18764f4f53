"""The idempotency keys of mutations (request_id): a revision every service shares."""

from shared.database.shared_revisions import IDEMPOTENCY_KEYS

revision, down_revision, upgrade, downgrade = IDEMPOTENCY_KEYS.at("0002", after="0001")
