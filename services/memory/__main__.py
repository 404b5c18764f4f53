"""``python -m services.memory``: run the memory service alone."""

from services.memory.config import Settings
from services.memory.server import create_server
from shared.rpc.server import run_main

if __name__ == "__main__":
    run_main(Settings(), create_server)
