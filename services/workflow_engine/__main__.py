"""``python -m services.workflow_engine``: run the workflow-engine alone."""

from services.workflow_engine.config import Settings
from services.workflow_engine.server import create_server
from shared.rpc.server import run_main

if __name__ == "__main__":
    run_main(Settings(), create_server)
