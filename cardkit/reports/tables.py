"""Markdown tables for the card body, from `cardkit.scores.summary` results and model-index entries.

Numbers are never recomputed here: averages come from `summarize`, metric values from the
model-index the front matter carries, so the body and the metadata cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from cardkit.modelindex import ModelIndexEntry
from cardkit.scores.summary import MEAN_LABELS, BenchmarkSummary, TaskSummary, mean_columns

MISSING = "–"


@lru_cache(maxsize=256)  # a dozen task types, asked for in every row of every table
def type_label(task_type: str) -> str:
    """``PairClassification`` -> ``Pair Classification``; ``STS`` stays ``STS``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", task_type)


def score(value: float | None) -> str:
    return MISSING if value is None else f"{value:.2f}"


# What starts Markdown or HTML in running text: a link or image ([ ]), raw HTML or an autolink
# (<), a code span (`, which could pair with a backtick further on and leave what was meant
# to be code outside it), the end of a table cell (|), and the escape itself (\). CommonMark
# shows any ASCII punctuation after a backslash as itself.
_MARKDOWN_SPECIAL = re.compile(r"[\\`\[\]<|]")
# Kept as they are in a link's address; anything else (spaces, parentheses, pipes, quotes,
# brackets) is percent-encoded, so the address can neither end the link nor a table cell.
_URL_SAFE = ":/?#@!$&'*+,;=%~"


class Markdown(str):
    """Text that is Markdown already (escaped data with emphasis or a link around it), which
    `cell` keeps as it is."""


def markdown_text(value: Any) -> Markdown:
    """Text from data (a model, subset, task or file name) as Markdown that shows it as it is,
    on one line: never a link, an image, HTML or the end of a table cell.

    Every place that writes Markdown from data (the card's title, tables and captions,
    `compare` and `diff` in Markdown) goes through it.
    """
    return _escaped(value if type(value) is str else str(value))


@lru_cache(maxsize=8192)  # a card's tables repeat their scores, splits, benchmarks and dashes
def _escaped(text: str) -> Markdown:
    return Markdown(_MARKDOWN_SPECIAL.sub(r"\\\g<0>", " ".join(text.split())))


def markdown_code(value: Any) -> Markdown:
    """Text from data as an inline code span, fenced with more backticks than it holds; line
    breaks become spaces (a span is one line) and other spaces are kept, since a prompt's
    trailing space is part of it."""
    text = re.sub(r"[\r\n\x0b\x0c\x85\u2028\u2029]+", " ", str(value))
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    # A span starting and ending with a space loses one of each in Markdown: pad it too.
    edges = (text[:1], text[-1:])
    pad = " " if "`" in edges or (edges == (" ", " ") and text.strip()) else ""
    return Markdown(f"{fence}{pad}{text}{pad}{fence}")


def markdown_fence(texts: Sequence[str]) -> str:
    """The backticks that fence ``texts`` as a code block: more than any run they hold (at
    least three), so that no line of theirs (a recorded command, a name with line breaks) can
    end the block and let what follows be read as Markdown or HTML."""
    runs = (len(run) for text in texts for run in re.findall("`+", str(text)))
    return "`" * max(3, max(runs, default=0) + 1)


def markdown_link(text: Any, url: str) -> Markdown:
    """``[text](url)``, the text escaped and the address percent-encoded."""
    return Markdown(f"[{markdown_text(text)}]({quote(url, safe=_URL_SAFE)})")


def cell(value: Any) -> str:
    """A value safe inside a table cell: data escaped (`markdown_text`), `Markdown` kept, no
    line breaks; None leaves the cell empty, an empty text shows a dash."""
    if value is None:
        return ""
    if isinstance(value, Markdown):
        return " ".join(value.split()) or MISSING
    return markdown_text(value) or MISSING  # one line already


def markdown_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool] | None = None
) -> str:
    """A GitHub-flavoured Markdown table, numeric columns right-aligned."""
    numeric = list(numeric) if numeric is not None else [False] * len(headers)
    lines = [
        "| " + " | ".join(map(cell, headers)) + " |",
        "|" + "|".join("---:" if n else ":---" for n in numeric) + "|",
    ]
    lines.extend("| " + " | ".join(map(cell, row)) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def count_label(present: int, expected: int, incomplete_word: bool = False) -> str:
    """``35`` when complete, ``30/35`` (``30/35, incomplete``) when tasks are missing."""
    if present == expected:
        return str(expected)
    return f"{present}/{expected}, incomplete" if incomplete_word else f"{present}/{expected}"


def _mean_columns(summary: BenchmarkSummary) -> list[str]:
    return mean_columns(summary.benchmark)


def _shows_types(summary: BenchmarkSummary) -> bool:
    return "task_types" in summary.benchmark.aggregations


def tasks_label(summary: BenchmarkSummary) -> str:
    """``35``, or ``27/31, incomplete``: the tasks complete out of the benchmark's."""
    return count_label(summary.present, summary.expected, incomplete_word=True)


def summary_headers(summary: BenchmarkSummary) -> list[str]:
    """Model, task count, the leaderboard's mean columns, one column per type (with counts)."""
    headers = ["Model", "Tasks"] + [MEAN_LABELS[a] for a in _mean_columns(summary)]
    if _shows_types(summary):
        headers += [
            f"{type_label(t.type)} ({count_label(t.present, t.expected)})"
            for t in summary.by_type.values()
        ]
    return headers


def summary_row(summary: BenchmarkSummary, model_name: str) -> list[str]:
    row = [model_name, tasks_label(summary)]
    row += [score(summary.leaderboard_mean(a)) for a in _mean_columns(summary)]
    if _shows_types(summary):
        row += [score(t.leaderboard_mean) for t in summary.by_type.values()]
    return row


def summary_table(summary: BenchmarkSummary, model_name: str) -> str:
    """The leaderboard row: the means over tasks and task types, task counts beside them."""
    headers = summary_headers(summary)
    types = len(summary.by_type) if _shows_types(summary) else 0
    return narrow_tables(
        headers, [summary_row(summary, model_name)], [False] + [True] * (len(headers) - 1), types
    )


# What a table may need, at least, to fit the Hub's content column (800 px) with a margin:
# each column as wide as its longest unbreakable piece of text (a browser breaks lines at
# spaces and after hyphens), at about 8 px a character of its 14 px font, plus padding.
FIT_PX = 760
_CHAR_PX = 8
_CELL_PX = 18
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _min_width(values: Sequence[Any]) -> int:
    """The narrowest a column holding ``values`` can be laid out, in pixels (an estimate)."""
    pieces = [
        piece
        for value in values
        for word in _LINK.sub(r"\1", str(value)).replace("*", "").split()
        for piece in re.findall(r"[^-]*-|[^-]+", word)
    ]
    return max((len(p) for p in pieces), default=1) * _CHAR_PX + _CELL_PX


def narrow_tables(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    numeric: Sequence[bool],
    type_columns: int,
    first_type: int | None = None,
) -> str:
    """A leaderboard table that fits the Hub's content width: whole when it fits; else the
    model with its counts and means, then its per-type means as many types at a time as fit,
    the model repeated in each.

    ``type_columns``: how many columns hold per-type means, starting at ``first_type``
    (default: the last ones).
    """
    widths = [_min_width([h, *(row[i] for row in rows)]) for i, h in enumerate(headers)]
    if sum(widths) <= FIT_PX or not type_columns:
        return markdown_table(headers, rows, numeric)
    start = len(headers) - type_columns if first_type is None else first_type
    types = list(range(start, start + type_columns))
    model = list(headers).index("Model")
    parts = [_columns(headers, rows, numeric, [i for i in range(len(headers)) if i not in types])]
    for chunk in _type_chunks(types, widths, widths[model]):
        parts.append(_columns(headers, rows, numeric, [model, *chunk]))
    return "\n".join(parts)


def _type_chunks(types: list[int], widths: list[int], model: int) -> list[list[int]]:
    """The type columns in as few tables as fit beside the model column, as even as fits."""

    def fits(chunk: list[int]) -> bool:
        return model + sum(widths[i] for i in chunk) <= FIT_PX

    greedy: list[list[int]] = [[]]
    for index in types:
        if greedy[-1] and not fits([*greedy[-1], index]):
            greedy.append([])
        greedy[-1].append(index)
    count = len(greedy)
    size, extra = divmod(len(types), count)
    even, start = [], 0
    for n in range(count):
        end = start + size + (1 if n < extra else 0)
        even.append(types[start:end])
        start = end
    return even if all(fits(chunk) for chunk in even) else greedy


def _columns(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool], keep: list[int]
) -> str:
    return markdown_table(
        [headers[i] for i in keep],
        [[row[i] for i in keep] for row in rows],
        [numeric[i] for i in keep],
    )


def subsets_label(subsets: Sequence[str], limit: int = 3) -> str:
    """The subsets by name when there are few, else how many."""
    if len(subsets) <= limit:
        return ", ".join(subsets)
    return f"{len(subsets)} subsets"


TASK_HEADERS = ["Task", "Type", "Split", "Subset", "Main metric", "Score"]
TASK_NUMERIC = [False, False, False, False, False, True]


def task_rows(scores: Sequence[TaskSummary]) -> list[list[str]]:
    return [
        [s.task, type_label(s.type), s.split, subsets_label(s.subsets), s.metric, score(s.value)]
        for s in sorted(scores, key=lambda s: (s.type, s.task))
    ]


def task_table(summary: BenchmarkSummary) -> str:
    """One row per task of the benchmark: the score that went into the averages."""
    return markdown_table(TASK_HEADERS, task_rows(summary.scores), TASK_NUMERIC)


def metrics_table(entries: Sequence[ModelIndexEntry]) -> str:
    """Every metric of every (task, split, subset), as the front matter's model-index has them."""
    rows = [
        [entry.task, entry.split, entry.subset, metric.type, score(metric.value)]
        for entry in entries
        for metric in entry.metrics
    ]
    return markdown_table(
        ["Task", "Split", "Subset", "Metric", "Value"], rows, [False, False, False, False, True]
    )
