"""Assemble card text: a new card from scratch, or an existing card with managed keys updated.

Managed front-matter keys are ``model-index`` (merged, see below) and ``tags`` (``mteb``
added); the body changes only inside its generated regions (`cardkit.cardtext.regions`); every other
byte of an existing card is kept.

In the ``model-index``, cardkit owns the MTEB results it writes (entries named ``MTEB <Task>``):
those the new results hold are replaced. Every other entry is kept byte for byte: the author's
own results (a GLUE score) and MTEB results of tasks, splits or subsets the new results lack (a
partial re-run), which are reported in one line and removed only when asked (``prune``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cardkit.cardtext.frontmatter import (
    CardText,
    Edit,
    apply_edits,
    count_lines,
    dump_yaml,
    front_matter_lines,
    key_edits,
    key_span,
    parse_front_matter,
    split_card,
    with_newline,
)
from cardkit.io.errors import CardkitError
from cardkit.io.lazyre import lazy
from cardkit.io.log import log
from cardkit.modelindex import merge_key

if TYPE_CHECKING:  # the parser is imported where a card is updated: a new card needs none
    import yaml

    from cardkit.io.yamlwrite import Represented

# What `kept_model_index` found: the card's front-matter lines with the model-index as a
# one-line placeholder, the parsed rest (node and data), the placeholder's line, the block.
KeptIndex = tuple[list[str], "yaml.MappingNode", dict[str, Any], int, str]


class Kept(Enum):
    """`update_card_text`'s ``kept`` when `kept_model_index` was not asked yet."""

    UNASKED = "not asked yet"


NEW_CARD_TAGS = ["mteb", "sentence-transformers", "sentence-similarity", "feature-extraction"]
LIBRARY = "sentence-transformers"


def new_front_matter(
    model_index: list[dict[str, Any]],
    extra: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    open_weights: bool = True,
) -> dict:
    """The reference front matter: tags, model-index, library_name, pipeline_tag, then extras
    (license, language, base_model and the config's own keys). A model whose weights are not
    published (an API model) is no sentence-transformers model: neither that tag nor
    ``library_name``."""
    base = NEW_CARD_TAGS if open_weights else [t for t in NEW_CARD_TAGS if t != LIBRARY]
    data: dict[str, Any] = {
        "tags": list(dict.fromkeys([*base, *(tags or [])])),
        "model-index": model_index,
    }
    if open_weights:
        data["library_name"] = LIBRARY
    data["pipeline_tag"] = "sentence-similarity"
    for key, value in (extra or {}).items():
        data.setdefault(key, value)
    return data


def new_card_text(
    model_index: list[dict[str, Any]],
    body: str,
    extra: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    open_weights: bool = True,
    represented: Mapping[type, Represented] | None = None,
) -> str:
    """A new card: its front matter (see `new_front_matter`) and ``body``; objects of the
    types in ``represented`` (a model-index's entries) written as their values."""
    front = new_front_matter(model_index, extra, tags, open_weights)
    return "".join(("---\n", dump_yaml(front, represented), "---\n", body))  # one copy


def update_card_text(
    text: str,
    model_index: list[dict[str, Any]],
    path: Path | str | None = None,
    *,
    tags: list[str] | None = None,
    missing_keys: dict[str, Any] | None = None,
    body: Callable[[CardText], str] | None = None,
    prune: bool = False,
    canonical: Callable[[str], str] = str,
    kept: KeptIndex | None | Literal[Kept.UNASKED] = Kept.UNASKED,
) -> str:
    """Merge the new results into the model-index and make sure ``mteb`` is a tag; keep every
    other byte.

    ``tags`` are added to the card's tags too; ``missing_keys`` are added only where the card
    lacks them (a key the author wrote is never overwritten); ``body`` turns the split card into
    its new body (the generated regions), else the body is kept as it is; ``prune`` removes the
    card's MTEB entries the new results do not hold; ``canonical`` gives a task's current name
    (a card's ``MTEB CMedQAv1`` entries are the results' ``CMedQAv1-reranking``); ``kept``:
    what `kept_model_index` found for this text and model-index (None: it does not hold it),
    when it was asked already.
    """
    card = split_card(text, path)
    new_body = body(card) if body is not None else card.body
    wanted_tags = ["mteb", *[t for t in tags or [] if t != "mteb"]]
    if not card.has_front_matter:
        data: dict[str, Any] = {"tags": wanted_tags, "model-index": model_index}
        for key, value in (missing_keys or {}).items():
            data.setdefault(key, value)
        yaml_text = dump_yaml(data).replace("\n", card.newline)
        return "---" + card.newline + yaml_text + "---" + card.newline + new_body
    if kept is Kept.UNASKED:
        kept = kept_model_index(text, model_index, path, prune, canonical)
    card.yaml_text, change = _edited_front_matter(
        card, model_index, wanted_tags, missing_keys or {}, path, prune, canonical, kept
    )
    card.body = new_body
    updated = card.render()
    if change is not None:
        before, after = len(text.encode("utf-8")), len(updated.encode("utf-8"))
        _report_change(change, model_index[0]["name"], before, after, path)
    return updated


def _size(size: int) -> str:
    """A card's size in bytes as a person reads it (KB below a megabyte, MB above)."""
    return f"{size / 1e6:.2f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"


def _report_change(
    change: tuple[int, int, Any], name: str, before: int, after: int, path: Path | str | None
) -> None:
    """One line when the update changes how many results the card holds or its model name:
    entries and size before and after, and the name change with the option that keeps it."""
    old_entries, new_entries, old_name = change
    renamed = old_name is not None and old_name != name
    if old_entries == new_entries and not renamed:
        return
    line = (
        f"model-index {old_entries:,} -> {new_entries:,} entries, {_size(before)} -> {_size(after)}"
    )
    if renamed:
        line += f", name {old_name!r} -> {name!r} (--model-name {old_name} keeps it)"
    log.info("note: %s: %s", path or "card", line)


def _edited_front_matter(
    card: CardText,
    model_index: list[dict[str, Any]],
    tags: list[str],
    missing_keys: dict[str, Any],
    path: Path | str | None,
    prune: bool,
    canonical: Callable[[str], str],
    kept: KeptIndex | None,
) -> tuple[str, tuple[int, int, Any] | None]:
    """The front matter read once, every change spliced into its lines in one pass, and how
    many results the card held and holds (with its model name) when that was read.

    A card whose model-index already is the one to write (a rebuild of the same results:
    ``kept``) is read without it: its lines are kept as they are, and only the rest is parsed.
    """
    change = None
    if kept is not None:
        lines, root, data, row, block = kept
        edits: list[Edit] = [(row, row + 1, block)]
        set_values: dict[str, Any] = {}
    else:
        root, data = parse_front_matter(card, path)  # refuse to edit what does not parse
        lines = front_matter_lines(card.yaml_text, card.newline)
        merged = model_index_edits(
            lines, root, data, model_index, card.newline, path, prune, canonical
        )
        edits = merged or []
        set_values = {} if merged is not None else {"model-index": model_index}
        change = _index_change(data, model_index[0], prune, canonical)
    set_values.update({k: v for k, v in missing_keys.items() if k not in data})
    more, appended = key_edits(lines, root, set_values, {"tags": tags}, card.newline)
    return apply_edits(lines, edits + more, appended), change


def _index_change(
    data: dict[str, Any], ours: dict[str, Any], prune: bool, canonical: Callable[[str], str]
) -> tuple[int, int, Any]:
    """The card's results before and after the merge (the model-index item the merge goes
    into), and that item's name (None when the results go into a new item)."""
    items = data.get("model-index")
    items = items if isinstance(items, list) else []
    target = next((m for m in items if _name(m) == ours["name"]), None)
    if target is None and len(items) == 1:
        target = items[0]
    if not isinstance(target, dict):
        return 0, len(ours["results"]), None
    old = target.get("results") if isinstance(target.get("results"), list) else []
    plan = plan_merge(old, ours["results"], prune, canonical)
    return len(old), len(plan.order), target.get("name")


# After a model-index written by cardkit, the next top-level key (or the end), perhaps after
# blank and comment lines: nothing that could continue its list or its last entry.
_AFTER_BLOCK = lazy(
    r"(?:[ \t]*(?:#[^\r\n]*)?(?:\r\n|\n|\r))*(?:[ \t]*(?:#[^\r\n]*)?\Z|[^ \t\r\n#-])"
)
_PLACEHOLDER = "model-index: []"


def kept_model_index(
    text: str,
    model_index: list[dict[str, Any]],
    path: Path | str | None,
    prune: bool,
    canonical: Callable[[str], str],
    written: Callable[[], str] | None = None,
) -> KeptIndex | None:
    """For a card ``text`` that holds ``model_index`` as its model-index, byte for byte as
    cardkit writes it and where an update keeps it, what an update of it needs (give it to
    `update_card_text` as ``kept``); None when that cannot be shown. Then the card's entries
    are these, and need not be read from its YAML (a 2 MB model-index takes a second).
    ``written``: what makes ``dump_yaml({"model-index": model_index})``, where the caller has
    a faster way (a build writes it from the entries themselves, not from their dicts); it is
    asked only of a card with front matter.

    What it finds: the card's front-matter lines with the model-index as a one-line
    placeholder, the parsed rest, the placeholder's line and the model-index's text. The
    placeholder stands where the model-index starts a line and is followed by the next
    top-level key; the rest parses with the placeholder as the value of the one top-level
    ``model-index`` key on that line. Parsing is left to right, so the card itself has its
    model-index there, and it is the text cardkit writes: nothing to merge, nothing to parse.
    """
    import yaml

    from cardkit.io.yamlio import parse_yaml

    try:
        card = split_card(text, path)  # cut once per text: the update's own cut is reused
    except CardkitError:
        return None
    if not card.has_front_matter:
        return None
    whole = dump_yaml({"model-index": model_index}) if written is None else written()
    block = with_newline(whole, card.newline)
    text = card.yaml_text
    at = text.find(block)
    while at > 0 and text[at - 1] not in "\r\n":
        at = text.find(block, at + 1)
    end = at + len(block)
    if at < 0 or not _AFTER_BLOCK.match(text, end):
        return None
    [ours] = model_index
    plan = plan_merge(ours["results"], ours["results"], prune, canonical)
    if plan.order != [("new", j) for j in range(len(ours["results"]))]:
        return None  # the merge would put the entries in another order
    row = count_lines(text[:at])
    rest = text[:at] + _PLACEHOLDER + card.newline + text[end:]
    parsed = parse_yaml(rest, card.line_offset)
    root = parsed.root
    if not parsed.parsed or not isinstance(root, yaml.MappingNode):
        return None  # the card's own error is found by the full read
    found = [(k, v) for k, v in root.value if str(k.value) == "model-index"]
    if len(found) != 1:
        return None
    key, value = found[0]
    if (key.start_mark.line, key.start_mark.column) != (row, 0) or not (
        isinstance(value, yaml.SequenceNode) and value.flow_style and not value.value
    ):
        return None
    return front_matter_lines(rest, card.newline), root, parsed.data, row, block


# --------------------------------------------------------------------------- model-index merge


@dataclass
class MergePlan:
    """The merged results as ("old", index in the card) and ("new", index in the new results),
    and the card's MTEB entries the new results lack (kept, or pruned)."""

    order: list[tuple[str, int]] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    pruned: bool = False


def plan_merge(
    old: list[Any],
    new: list[dict[str, Any]],
    prune: bool = False,
    canonical: Callable[[str], str] = str,
) -> MergePlan:
    """Which entries the merged results hold, in which order.

    Entries that are not MTEB results keep their place before or after the MTEB block; the
    MTEB entries are in ASCII order of task, each task's new entries before its kept ones.
    """
    new_list = [merge_key(entry, canonical) for entry in new]
    # The card's own entries are the new ones when an update asks whether it holds them.
    keys = new_list if old is new else [merge_key(entry, canonical) for entry in old]
    new_keys = set(new_list)
    first_mteb = next((i for i, key in enumerate(keys) if key is not None), len(old))
    plan = MergePlan(pruned=prune)
    plan.missing = [i for i, key in enumerate(keys) if key is not None and key not in new_keys]
    by_task: dict[str, list[tuple[str, int]]] = {}
    for j, key in enumerate(new_list):
        by_task.setdefault(key[0] if key else "", []).append(("new", j))
    if not prune:
        for i in plan.missing:
            by_task.setdefault(keys[i][0], []).append(("old", i))  # type: ignore[index]
    before = [("old", i) for i, key in enumerate(keys) if key is None and i < first_mteb]
    after = [("old", i) for i, key in enumerate(keys) if key is None and i > first_mteb]
    plan.order = before + [item for task in sorted(by_task) for item in by_task[task]] + after
    return plan


def _report(plan: MergePlan, old: list[Any], path: Path | str | None) -> None:
    """One line naming the card's MTEB tasks the new results lack."""
    if not plan.missing:
        return
    tasks = sorted({merge_key(old[i])[0] for i in plan.missing})  # type: ignore[index]
    what = f"{len(plan.missing)} MTEB entries of {len(tasks)} task(s) not in the results"
    if plan.pruned:
        log.info("note: %s: pruned %s: %s", path, what, ", ".join(tasks))
    else:
        log.info("note: %s: kept %s: %s (--prune removes them)", path, what, ", ".join(tasks))


def model_index_edits(
    lines: list[str],
    root: yaml.MappingNode | None,
    data: dict[str, Any],
    model_index: list[dict[str, Any]],
    newline: str,
    path: Path | str | None,
    prune: bool,
    canonical: Callable[[str], str] = str,
) -> list[Edit] | None:
    """The line edits that merge the new model-index into the parsed front matter (kept
    entries byte for byte); None when the card has no model-index to merge with."""
    nodes = {str(k.value): (k, v) for k, v in root.value} if root is not None else {}
    if "model-index" not in nodes or not isinstance(data.get("model-index"), list):
        return None
    [ours] = model_index
    items = data["model-index"]
    target = next((i for i, m in enumerate(items) if _name(m) == ours["name"]), None)
    if target is None and len(items) == 1:
        target = 0
    value_node = nodes["model-index"][1]
    try:
        if target is None:
            edit = _append_item(lines, value_node, ours, newline)
            plan = None
        else:
            old = items[target].get("results") if isinstance(items[target], dict) else None
            old = old if isinstance(old, list) else []
            plan = plan_merge(old, ours["results"], prune, canonical)
            edit = _merge_item(lines, value_node.value[target], old, ours, plan, newline)
    except _NotBlockStyle:
        span = key_span(root, "model-index")
        assert span is not None
        text = _merged_by_value(data, target, ours, prune, newline, path, canonical)
        return [(*span, text)]
    if plan is not None:
        _report(plan, old, path)
    return edit


class _NotBlockStyle(Exception):
    """The model-index is written in a style the text splice does not handle (flow style)."""


def _name(item: Any) -> Any:
    return item.get("name") if isinstance(item, dict) else None


def _dash_column(lines: list[str], node: yaml.Node) -> int:
    """The column of the ``- `` that opens a block sequence item (its node starts after it)."""
    line = lines[node.start_mark.line]
    col = node.start_mark.column
    if col < 2 or line[col - 2 : col] != "- " or line[: col - 2].strip():
        raise _NotBlockStyle
    return col - 2


def _indented(value: Any, column: int, newline: str) -> str:
    text = "".join(" " * column + line for line in dump_yaml(value).splitlines(keepends=True))
    return text.replace("\n", newline) if newline != "\n" else text


def _end_line(node: yaml.Node) -> int:
    mark = node.end_mark
    return mark.line if mark.column == 0 else mark.line + 1


def _merge_item(
    lines: list[str],
    item: yaml.Node,
    old: list[Any],
    ours: dict[str, Any],
    plan: MergePlan,
    newline: str,
) -> list[tuple[int, int, str]]:
    """Line edits that put the merged results (and our name) into one model-index item."""
    import yaml

    if not isinstance(item, yaml.MappingNode) or item.flow_style:
        raise _NotBlockStyle
    fields = {str(k.value): (k, v) for k, v in item.value}
    edits: list[tuple[int, int, str]] = []
    if "name" in fields and fields["name"][1].value != ours["name"]:
        key, value = fields["name"]
        if value.start_mark.line != value.end_mark.line:
            raise _NotBlockStyle
        row = value.start_mark.line
        scalar = dump_yaml({"name": ours["name"]})[len("name: ") :].rstrip("\n")
        line = lines[row]
        edits.append(
            (row, row + 1, line[: value.start_mark.column] + scalar + line[value.end_mark.column :])
        )
    results = fields.get("results", (None, None))[1]
    if not isinstance(results, yaml.SequenceNode) or results.flow_style or not results.value:
        raise _NotBlockStyle
    column = _dash_column(lines, results.value[0])
    spans = []
    for index, entry in enumerate(results.value):
        if _dash_column(lines, entry) != column:
            raise _NotBlockStyle
        end = (
            results.value[index + 1].start_mark.line
            if index + 1 < len(results.value)
            else _end_line(results)
        )
        spans.append((entry.start_mark.line, end))
    pieces = []
    for source, index in plan.order:
        if source == "old":
            start, end = spans[index]
            pieces.append("".join(lines[start:end]))
        else:
            pieces.append(_indented([ours["results"][index]], column, newline))
    edits.append((spans[0][0], spans[-1][1], "".join(pieces)))
    return edits


def _append_item(
    lines: list[str], value: yaml.Node, ours: dict[str, Any], newline: str
) -> list[tuple[int, int, str]]:
    """A model-index of other models: ours is added as one more item."""
    import yaml

    if not isinstance(value, yaml.SequenceNode) or value.flow_style or not value.value:
        raise _NotBlockStyle
    column = _dash_column(lines, value.value[0])
    end = _end_line(value)
    return [(end, end, _indented([ours], column, newline))]


def _merged_by_value(
    data: dict[str, Any],
    target: int | None,
    ours: dict[str, Any],
    prune: bool,
    newline: str,
    path: Path | str | None,
    canonical: Callable[[str], str] = str,
) -> str:
    """The same merge for a model-index in flow style: the key is written anew (its values
    kept, not its formatting)."""
    items = list(data["model-index"])
    if target is None:
        items.append(ours)
    else:
        item = dict(items[target]) if isinstance(items[target], dict) else {}
        old = item.get("results") if isinstance(item.get("results"), list) else []
        plan = plan_merge(old, ours["results"], prune, canonical)
        _report(plan, old, path)
        item["name"] = ours["name"]
        item["results"] = [
            old[i] if source == "old" else ours["results"][i] for source, i in plan.order
        ]
        items[target] = item
    return with_newline(dump_yaml({"model-index": items}), newline)


def card_diff(old: str | None, new: str, name: str) -> str:
    """A unified diff of a card from ``old`` (None: no card yet) to ``new``, ``name`` its
    file's name in the header; '' when they are the same."""
    import difflib  # only a --diff, a check or a dry run prints one

    old_lines = (old or "").splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    source = f"a/{name}" if old is not None else "/dev/null"
    lines = difflib.unified_diff(old_lines, new_lines, source, f"b/{name}")
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
