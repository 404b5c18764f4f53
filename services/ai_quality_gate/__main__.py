"""``python -m services.ai_quality_gate``: run the ai-quality-gate alone."""

from services.ai_quality_gate.config import Settings
from services.ai_quality_gate.server import create_server
from shared.rpc.server import run_main

if __name__ == "__main__":
    run_main(Settings(), create_server)
