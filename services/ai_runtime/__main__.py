"""``python -m services.ai_runtime``: run the ai-runtime alone."""

from services.ai_runtime.config import Settings
from services.ai_runtime.server import create_server
from shared.rpc.server import run_main

if __name__ == "__main__":
    run_main(Settings(), create_server)
