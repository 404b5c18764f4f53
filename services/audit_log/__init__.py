"""audit-log: each tenant's tamper-evident, hash-chained, append-only audit log."""
