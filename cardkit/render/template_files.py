"""A user's templates, read the way every user file is read, and only from their own folder.

Jinja2's own file loader follows links: a template folder in a pull request could hold
``part.md.j2 -> /proc/self/environ`` and `cardkit check` would print the CI's secrets in its
diff. Here a name or a link that leads out of the folder is refused, and every template is a
regular UTF-8 file of bounded size.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path

from cardkit.io.errors import CardkitError
from cardkit.io.userfile import read_text


class UserTemplateLoader(jinja2.BaseLoader):
    """Templates from one folder; jinja2 asks for them by name (``{% include %}`` too)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.real_folder = self.folder.resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = self.folder.joinpath(*split_template_path(template))  # refuses '..'
        if not path.exists():
            raise jinja2.TemplateNotFound(template)
        if not path.resolve().is_relative_to(self.real_folder):
            raise CardkitError(
                f"the template leads outside its folder {self.folder} (a link to "
                f"{path.resolve()}): not read",
                path,
            )
        return read_text(path, "template"), str(path), lambda: True
