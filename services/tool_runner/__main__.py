"""``python -m services.tool_runner``: run the tool-runner alone."""

from services.tool_runner.config import Settings
from services.tool_runner.server import create_server
from shared.rpc.server import run_main

if __name__ == "__main__":
    run_main(Settings(), create_server)
