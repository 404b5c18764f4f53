"""``python -m services.explainability``: run the explainability service alone."""

from services.explainability.config import Settings
from services.explainability.server import create_server
from shared.rpc.server import run_main

if __name__ == "__main__":
    run_main(Settings(), create_server)
