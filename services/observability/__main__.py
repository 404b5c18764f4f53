"""``python -m services.observability``: run the observability service alone."""

from services.observability.config import Settings
from services.observability.server import create_server
from shared.rpc.server import run_main

if __name__ == "__main__":
    run_main(Settings(), create_server)
