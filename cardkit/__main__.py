"""Allows ``python -m cardkit``."""

import gc

# Paused from the first import on (`cardkit.cli.main.main` pauses it for the command itself): the
# collector would walk every module's objects again and again while they load, freeing none.
gc.disable()

from cardkit.cli.main import run  # noqa: E402

run()
