"""``python -m services.auth``: run the auth service alone."""

from services.auth.config import Settings
from services.auth.server import create_server
from shared.rpc.server import run_main

if __name__ == "__main__":
    run_main(Settings(), create_server)
