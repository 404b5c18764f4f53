"""``python -m services.agent_orchestrator``: run the agent-orchestrator alone."""

from services.agent_orchestrator.config import Settings
from services.agent_orchestrator.server import create_server
from shared.rpc.server import run_main

if __name__ == "__main__":
    run_main(Settings(), create_server)
