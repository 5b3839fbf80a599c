"""Allows ``python -m cardkit``."""

from cardkit.cli import main

raise SystemExit(main())
