"""What the template budget costs: cardkit's own card template rendered as a user template
(`--template`) in the budgeted sandbox, against jinja2's plain immutable sandbox, on the
35-task example results. CPU time of `render_template` (environment, compile and render),
median of several runs. cardkit's default template runs outside the sandbox and is not
affected.

    python benchmarks/template_budget.py [RESULTS] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import jinja2.sandbox
from _timing import calls, machine

import cardkit.render.body as render
from cardkit.build.card import BuildRequest, _card_info, card_catalog
from cardkit.readers import read_results
from cardkit.render.body import card_context, render_template
from cardkit.render.plan import plan_card
from cardkit.render.sandbox import BudgetSandbox
from cardkit.writers.model_index import result_entries

REPO = Path(__file__).resolve().parents[1]
DEFAULT_RESULTS = REPO / "examples" / "results" / "BAAI__bge-base-zh"


def _context(results: Path) -> dict:
    catalog = card_catalog()
    [model] = read_results([results], catalog)
    request = BuildRequest(results=[results])
    name = model.model_name or "model"
    entries = result_entries(model, catalog, "default")
    plan = plan_card(model, catalog, _card_info(model, name, request))
    return card_context(plan, entries)


def _median_cpu(render_once, runs: int) -> float:
    return statistics.median(calls(render_once, runs, "cpu"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    context = _context(args.results)
    template = REPO / "templates" / "card.md.j2"

    default = _median_cpu(lambda: render_template(context, None), args.runs)
    outputs, medians = {}, {}
    for label, sandbox in (
        ("plain sandbox", jinja2.sandbox.ImmutableSandboxedEnvironment),
        ("budget sandbox", BudgetSandbox),
    ):
        render.BudgetSandbox = sandbox  # the class render_template builds its sandbox from
        outputs[label] = render_template(context, template)
        medians[label] = _median_cpu(lambda: render_template(context, template), args.runs)
    render.BudgetSandbox = BudgetSandbox
    assert outputs["plain sandbox"] == outputs["budget sandbox"], "the budget changed the card"
    print(f"results: {args.results} ({args.runs} runs, CPU time, median); {machine()}")
    print(f"{'default template (no sandbox)':32s} {default * 1000:7.1f} ms")
    for label, value in medians.items():
        print(f"{label + ' (user template)':32s} {value * 1000:7.1f} ms")
    ratio = medians["budget sandbox"] / medians["plain sandbox"]
    print(f"{'budget / plain sandbox':32s} {ratio:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
