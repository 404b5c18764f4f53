"""The audit outbox (entries waiting for delivery to audit-log): a revision every service shares."""

from shared.database.shared_revisions import AUDIT_OUTBOX

revision, down_revision, upgrade, downgrade = AUDIT_OUTBOX.at("0003", after="0002")
