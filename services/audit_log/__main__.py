"""``python -m services.audit_log``: run the audit-log alone."""

from services.audit_log.config import Settings
from services.audit_log.server import create_server
from shared.rpc.server import run_main

if __name__ == "__main__":
    run_main(Settings(), create_server)
