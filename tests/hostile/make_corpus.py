"""Make the hostile corpus: broken cards and `.eval_results` files cut from the real ones.

Each case applies one mutation to an excerpt of a real card and records, from the mutation
itself, the exit status `cardkit validate` must give and the line of the problem, in
``expected.yaml``. Run from the repository: ``python tests/hostile/make_corpus.py``. The
20 MB case is made by the test itself (it is not committed).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("CARDKIT_SHARED", HERE.parents[2] / "shared"))
DMETA = SHARED / "seeds" / "Dmeta-embedding.README.md"
NOMIC = SHARED / "data" / "cards" / "nomic-embed-text-v1.5-GGUF.README.md"
MINILM = SHARED / "data" / "cards" / "all-MiniLM-L6-v2.README.md"


def dmeta_excerpt() -> list[str]:
    """The Dmeta card with its first three results (lines 1-65), its last keys and 30 body lines."""
    lines = DMETA.read_text(encoding="utf-8").splitlines(keepends=True)
    close = next(i for i in range(1, len(lines)) if lines[i] == "---\n")
    body = [ln for ln in lines[close + 1 : close + 31] if ln.strip() != "---"]
    return lines[:65] + lines[close - 4 : close + 1] + body


def find(lines: list[str], text: str, start: int = 0) -> int:
    """The 0-based index of the first line (from ``start``) whose stripped text is ``text``."""
    return next(i for i in range(start, len(lines)) if lines[i].strip() == text)


def find_prefix(lines: list[str], prefix: str, start: int = 0) -> int:
    return next(i for i in range(start, len(lines)) if lines[i].strip().startswith(prefix))


Case = tuple[bytes, int, int | None]  # content, exit status, a line that must have a finding


def _text(lines: list[str]) -> bytes:
    return "".join(lines).encode("utf-8")


def cases() -> dict[str, Callable[[], Case]]:
    base = dmeta_excerpt()
    first_value = find_prefix(base, "value:")
    metrics = find(base, "metrics:")
    close = find(base, "---", 1)

    def edit(index: int, new: str) -> list[str]:
        out = list(base)
        out[index] = new
        return out

    def scale(factor: float, entries: int) -> list[str]:
        out, seen = [], 0
        for line in base:
            if line.strip() == "- task:":
                seen += 1
            if line.strip().startswith("value:") and seen <= entries:
                value = float(line.split(":", 1)[1])
                line = line.split(":", 1)[0] + f": {value * factor}\n"
            out.append(line)
        return out

    dataset_type = find_prefix(base, "type: C-MTEB/")
    task_type = find(base, "type: STS")
    tag_mteb = find(base, "- mteb")
    license_line = find_prefix(base, "license:")
    dataset_name = find_prefix(base, "name: MTEB")

    def second_entry_copy() -> Case:
        start = find(base, "- task:")
        end = find(base, "- task:", start + 1)
        out = base[:end] + base[start:end] + base[end:]
        return _text(out), 1, end + (dataset_type - start) - 1 + 1

    def zero_to_one_entry() -> Case:
        """The Dmeta card's Cmnli entry (pair classification: no real score is below 1%) on
        the 0 to 1 scale, put first among the correct entries."""
        card = DMETA.read_text(encoding="utf-8").splitlines(keepends=True)
        name = find(card, "name: MTEB Cmnli")
        start = max(i for i in range(name) if card[i].strip() == "- task:")
        end = find_prefix(card, "- task:", name)
        entry = [
            ln.split(":", 1)[0] + f": {float(ln.split(':', 1)[1]) / 100}\n"
            if ln.strip().startswith("value:")
            else ln
            for ln in card[start:end]
        ]
        first = find(base, "- task:")
        out = base[:first] + entry + base[first:]
        return _text(out), 0, first + find_prefix(entry, "value:") + 1

    def web_paste() -> Case:
        out = [ln.rstrip("\n") + " |\n" if i <= close else ln for i, ln in enumerate(base)]
        return _text(out), 1, 1

    def table_paste() -> Case:
        out = list(base)
        for i in range(1, close):
            key, _, value = out[i].rstrip("\n").partition(":")
            out[i] = f"| {key.strip()} | {value.strip()} |\n"
        return _text(out), 1, 2

    def crlf(lines: list[str]) -> bytes:
        return _text(lines).replace(b"\n", b"\r\n")

    def mixed() -> Case:
        head = _text(base[:10]).replace(b"\n", b"\r\n")
        return head + _text(base[10:]), 0, 11

    def garbage() -> Case:
        raw = _text(base[:dataset_name]) + b"      name: MTEB \xff\xfe\x00\x81AFQMC\n"
        return raw + _text(base[dataset_name + 1 :]), 1, dataset_name + 1

    def nul() -> Case:
        return _text(edit(dataset_name, "      name: MTEB \x00AFQMC\n")), 1, dataset_name + 1

    def alias_bomb() -> Case:
        bomb = ["x0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"]
        bomb += [f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)]
        return _text(base[:close] + bomb + base[close:]), 1, close + 1

    def eval_results() -> list[dict]:
        from huggingface_hub import EvalResultEntry, eval_result_entries_to_yaml

        return eval_result_entries_to_yaml(
            [
                EvalResultEntry(
                    dataset_id="C-MTEB/AFQMC",
                    task_id="AFQMC_default_validation",
                    value=71.12862586297193,
                    date="2024-01-15",
                    source_url="https://github.com/embeddings-benchmark/mteb/",
                    source_name="MTEB",
                    notes="Obtained using MTEB v1.1.1",
                ),
                EvalResultEntry(dataset_id="C-MTEB/ATEC", task_id="ATEC_default_test", value=50.1),
            ]
        )

    def results_text(entries: list[dict]) -> list[str]:
        dumped = yaml.safe_dump(entries, sort_keys=False, allow_unicode=True)
        return dumped.splitlines(keepends=True)

    def results_edit(old: str, new: str, shift: int = 0) -> Case:
        """Replace one line; the finding is on it (or ``shift`` lines away)."""
        lines = results_text(eval_results())
        index = find_prefix(lines, old)
        indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
        lines[index] = indent + new + "\n"
        return _text(lines), 1, index + 1 + shift

    nomic = NOMIC.read_text(encoding="utf-8").splitlines(keepends=True)[:25]
    minilm = MINILM.read_text(encoding="utf-8").splitlines(keepends=True)[:45]
    en = find(nomic, "- en")
    pipeline = find_prefix(minilm, "pipeline_tag:")

    return {
        "metric-typo.md": lambda: (_text(edit(metrics, "    metric:\n")), 1, metrics + 1),
        "string-value.md": lambda: (
            _text(edit(first_value, "      value: '65.60825224706932'\n")),
            1,
            first_value + 1,
        ),
        "missing-dataset-type.md": lambda: (
            _text(base[:dataset_type] + base[dataset_type + 1 :]),
            1,
            dataset_type,  # the 'dataset:' line above the deleted one
        ),
        "missing-task-type.md": lambda: (
            _text(edit(task_type, "      name: STS\n")),
            1,
            task_type,  # the 'task:' line
        ),
        "missing-value.md": lambda: (
            _text(base[:first_value] + base[first_value + 1 :]),
            1,
            first_value,  # the '- type:' line of that metric
        ),
        "duplicate-top-key.md": lambda: (
            _text(base[: license_line + 1] + [base[license_line]] + base[license_line + 1 :]),
            1,
            license_line + 2,
        ),
        "duplicate-nested-key.md": lambda: (
            _text(base[: first_value + 1] + ["      value: 1.0\n"] + base[first_value + 1 :]),
            1,
            first_value + 2,
        ),
        "duplicate-result.md": second_entry_copy,
        "duplicate-metric.md": lambda: (
            _text(
                base[: first_value + 1]
                + base[first_value - 1 : first_value + 1]
                + base[first_value + 1 :]
            ),
            1,
            first_value + 2,
        ),
        "nan.md": lambda: (_text(edit(first_value, "      value: .nan\n")), 1, first_value + 1),
        "infinity.md": lambda: (
            _text(edit(first_value, "      value: -.inf\n")),
            1,
            first_value + 1,
        ),
        "huge-float.md": lambda: (
            _text(edit(first_value, "      value: 1.0e+999\n")),
            1,
            first_value + 1,
        ),
        "zero-to-one-entry.md": zero_to_one_entry,
        "zero-to-one-card.md": lambda: (_text(scale(0.01, 99)), 1, first_value + 1),
        "out-of-range.md": lambda: (
            _text(edit(first_value, "      value: 6560.825224706932\n")),
            1,
            first_value + 1,
        ),
        "no-closing-fence.md": lambda: (_text(base[:close] + base[close + 1 :]), 1, 1),
        "truncated.md": lambda: (_text(base[:40]), 1, 1),
        "web-paste.md": web_paste,
        "table-paste.md": table_paste,
        "tab-indent.md": lambda: (
            _text(edit(task_type, "\t" + base[task_type].lstrip(" "))),
            1,
            task_type + 1,
        ),
        "bom.md": lambda: (b"\xef\xbb\xbf" + _text(base), 0, 1),  # a warning: the Hub reads it
        "utf16.md": lambda: ("".join(base).encode("utf-16"), 1, 1),
        "crlf-valid.md": lambda: (crlf(base), 0, None),
        "crlf-metric-typo.md": lambda: (crlf(edit(metrics, "    metric:\n")), 1, metrics + 1),
        "mixed-line-endings.md": mixed,
        "binary-garbage.md": garbage,
        "nul-byte.md": nul,
        "heading-before-front-matter.md": lambda: (
            b"# Dmeta-embedding\n\n" + _text(base),
            1,
            3,
        ),
        # The Hub's rule allows whitespace before the opening fence.
        "blank-line-before-front-matter.md": lambda: (b"\n" + _text(base), 0, None),
        # The Hub's rule allows nothing after the opening fence: it would see no metadata.
        "opening-fence-trailing-space.md": lambda: (_text(edit(0, "--- \n")), 1, 1),
        "closing-fence-trailing-space.md": lambda: (_text(edit(close, "---  \n")), 0, None),
        "cr-only-line-endings.md": lambda: (_text(base).replace(b"\n", b"\r"), 1, 1),
        "unknown-dataset-key.md": lambda: (
            _text(base[: dataset_name + 1] + ["      splitt: test\n"] + base[dataset_name + 1 :]),
            1,
            dataset_name + 2,
        ),
        "license-number.md": lambda: (
            _text(edit(license_line, "license: 2.0\n")),
            1,
            license_line + 1,
        ),
        "tag-mapping.md": lambda: (_text(edit(tag_mteb, "- {name: mteb}\n")), 1, tag_mteb + 1),
        "yaml-syntax.md": lambda: (
            _text(edit(dataset_name, "      name: MTEB: AFQMC\n")),
            1,
            dataset_name + 1,
        ),
        "alias-bomb.md": alias_bomb,
        "front-matter-list.md": lambda: (b"---\n- a\n- b\n---\n\n# Card\n", 1, 2),
        "empty.md": lambda: (b"", 0, 1),
        "nomic-tab-list.md": lambda: (
            _text(nomic[:en] + ["\t- en\n"] + nomic[en + 1 :]),
            1,
            en + 1,
        ),
        "minilm-pipeline-list.md": lambda: (
            _text(
                minilm[:pipeline]
                + ["pipeline_tag: [sentence-similarity]\n"]
                + minilm[pipeline + 1 :]
            ),
            1,
            pipeline + 1,
        ),
        ".eval_results/valid.yaml": lambda: (_text(results_text(eval_results())), 0, None),
        ".eval_results/string-value.yaml": lambda: results_edit("value: 71.1", "value: 'high'"),
        ".eval_results/nan.yaml": lambda: results_edit("value: 50.1", "value: .nan"),
        ".eval_results/bad-date.yaml": lambda: results_edit("date:", "date: '2024-13-45'"),
        ".eval_results/date-not-iso.yaml": lambda: results_edit("date:", "date: Jan 15 2024"),
        ".eval_results/missing-id.yaml": lambda: results_edit("id: C-MTEB/ATEC", "name: ATEC"),
        ".eval_results/unknown-key.yaml": lambda: results_edit("notes:", "note: typo"),
        ".eval_results/source-without-url.yaml": lambda: results_edit(
            "url:",
            "user: someone",
            shift=-1,  # the 'source:' line
        ),
    }


def main() -> int:
    expected: dict[str, dict[str, int | None]] = {}
    (HERE / ".eval_results").mkdir(exist_ok=True)
    for name, make in cases().items():
        content, status, line = make()
        (HERE / name).write_bytes(content)
        expected[name] = {"exit": status, "line": line}
    header = (
        "# Written by make_corpus.py from each mutation: the exit status of\n"
        "# `cardkit validate FILE` and a line that must carry a finding (null: none).\n"
    )
    text = header + yaml.safe_dump(expected, sort_keys=False)
    (HERE / "expected.yaml").write_text(text, encoding="utf-8")
    print(f"wrote {len(expected)} files to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
