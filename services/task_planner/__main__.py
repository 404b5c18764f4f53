"""``python -m services.task_planner``: run the task-planner alone."""

from __future__ import annotations

import asyncio

from shared import logs
from services.task_planner.config import Settings
from services.task_planner.server import serve


def main() -> None:
    settings = Settings()
    logs.configure(settings.mesh.log_level, settings.mesh.log_format)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
