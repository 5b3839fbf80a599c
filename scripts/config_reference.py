"""Write the docs' configuration reference from the config schema and the command line.

Every key of ``schemas/cardkit-config.schema.json`` gets a row: its type and description from
the schema, the option of `cardkit build` or `cardkit run` that overrides it and its default
from the command line's own parser, so the page cannot say anything the two do not. Run
``python scripts/config_reference.py`` after changing either; ``--check`` exits 1 when the
committed page is not what it would write (a test runs it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from cardkit.cli import build_command, run_command  # noqa: E402

SCHEMA = REPO / "schemas" / "cardkit-config.schema.json"
PAGE = REPO / "docs" / "reference" / "configuration.md"
# Keys whose option has another name than the key (the option is singular and repeatable).
OPTION_OF = {
    "name": "model_name",
    "replace_sections": "replace_section",
    "run.models": "model",
    "run.reranker.type": "reranker_type",
    "run.reranker.name": "reranker_name",
}
# "(default: X)" or "(default X)" in a description or an option's help; "X (the default: ...)".
_DEFAULT = re.compile(r"\(default:? ([^()]*(?:\([^()]*\)[^()]*)*)\)")
_NAMED_DEFAULT = re.compile(r"(\w[\w-]*) \(the default\b")

HEADER = """\
# Configuration

<!-- Written by scripts/config_reference.py from schemas/cardkit-config.schema.json and the
command line's options: run it after changing either, never edit this page by hand. -->

`cardkit build`, `cardkit check` and `cardkit run` read `./cardkit.yaml` when it exists (or the
file `--config PATH` names; `--no-config` ignores it). Relative paths in it are relative to the
folder that holds it. Every key below is checked against `schemas/cardkit-config.schema.json`: an
unknown key or a value of the wrong type stops the command with one line naming the file, the
line, the column and the key. Where a key has an option, the command line wins.
"""


def _options(register: Any, command: str) -> dict[str, argparse.Action]:
    """The options of one command, by their destination, from its own parser."""
    parser = argparse.ArgumentParser(prog="cardkit")
    register(parser.add_subparsers(dest="command"))
    [subparsers] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {action.dest: action for action in subparsers.choices[command]._actions}


def _type(node: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        if "oneOf" in target:
            return " or ".join(_type(choice, defs) for choice in target["oneOf"])
        if target.get("minimum") == 1:
            top = target.get("maximum")
            return "integer >= 1" if top is None else f"integer from 1 to {top:,}"
        return _type(target, defs)
    if "enum" in node:
        return "one of " + ", ".join(f"`{value}`" for value in node["enum"])
    kinds = node.get("type")
    if isinstance(kinds, list):
        return " or ".join(_type({**node, "type": kind}, defs) for kind in kinds)
    if kinds == "array":
        return f"list of {_type(node.get('items', {}), defs)}s"
    if kinds == "object":
        return "mapping"
    return {"boolean": "boolean", "integer": "integer", "string": "string", "null": "null"}.get(
        kinds or "", "any"
    )


def _default(node: dict[str, Any], action: argparse.Action | None) -> str:
    if "default" in node.get("enum", ()):
        return "`default`"  # a choice named so (--metrics)
    if action is not None and not action.option_strings:
        return "–"  # an argument: nothing given means the config's value
    for text in (node.get("description", ""), getattr(action, "help", None) or ""):
        named = _NAMED_DEFAULT.search(text)
        if named:
            return f"`{named.group(1)}`"
        found = _DEFAULT.search(text)
        if found:
            return found.group(1).strip()
    if action is not None and action.default not in (None, False, [], argparse.SUPPRESS):
        return f"`{action.default}`"
    return "–"


def _flag(action: argparse.Action | None) -> str:
    if action is None:
        return "–"
    if not action.option_strings:
        return f"`{action.metavar or action.dest.upper()}` (argument)"
    return ", ".join(f"`{flag}`" for flag in action.option_strings)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _rows(
    properties: dict[str, Any],
    defs: dict[str, Any],
    prefix: str,
    options: dict[str, argparse.Action],
) -> list[str]:
    rows = []
    for key, node in properties.items():
        dotted = prefix + key
        if dotted == "run":
            continue  # a table of its own
        option = OPTION_OF.get(dotted, key if prefix in ("", "run.") else None)
        action = options.get(option) if option else None
        cells = [
            f"`{dotted}`",
            _type(node, defs),
            _default(node, action),
            _flag(action),
            node.get("description") or getattr(action, "help", None) or "",
        ]
        rows.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
        nested = node.get("properties")
        if nested:
            rows += _rows(nested, defs, dotted + ".", options)
    return rows


def render() -> str:
    """The whole page."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    defs = schema.get("$defs", {})
    head = "| key | type | default | option | what it is |\n|:---|:---|:---|:---|:---|"
    run = schema["properties"]["run"]
    parts = [
        HEADER,
        "## The card: `cardkit build` and `cardkit check`\n",
        head,
        *_rows(schema["properties"], defs, "", _options(build_command.register, "build")),
        "",
        "## The `run:` section: `cardkit run`\n",
        _cell(run["description"]) + "\n",
        head,
        *_rows(run["properties"], defs, "run.", _options(run_command.register, "run")),
        "",
    ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the page is stale")
    args = parser.parse_args(argv)
    page = render()
    if args.check:
        if PAGE.read_text(encoding="utf-8") != page:
            print(f"{PAGE.relative_to(REPO)} is stale: run python scripts/config_reference.py")
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
