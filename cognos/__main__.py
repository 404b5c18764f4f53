"""``python -m cognos``."""

from cognos.cli import main

main()
