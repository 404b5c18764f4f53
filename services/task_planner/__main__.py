"""``python -m services.task_planner``: run the task-planner alone."""

from services.task_planner.config import Settings
from services.task_planner.server import create_server
from shared.rpc.server import run_main

if __name__ == "__main__":
    run_main(Settings(), create_server)
