"""The validator's rules on the values of a card's model-index: which metrics are percentages
(range-checked, and a 0 to 1 score among them is named), which are diagnostics, and real
scores below one percent that are no mistake."""

from __future__ import annotations

import pytest
import yaml

from cardkit.validate import validate_bytes


def card_with(entries: list[tuple[str, str, dict[str, float]]]) -> bytes:
    """A card whose model-index holds (task type, dataset name, metrics) entries."""
    results = [
        {
            "task": {"type": kind},
            "dataset": {"type": "mteb/x", "name": name, "config": "default", "split": "test"},
            "metrics": [{"type": k, "value": v} for k, v in metrics.items()],
        }
        for kind, name, metrics in entries
    ]
    front = yaml.safe_dump({"model-index": [{"name": "m", "results": results}]}, sort_keys=False)
    return f"---\n{front}---\n".encode()


NORMAL = ("STS", "MTEB STS12", {"cosine_spearman": 78.5, "cosine_pearson": 80.1})


def messages(raw: bytes) -> list[tuple[str, str]]:
    return [(f.severity, f.message) for f in validate_bytes(raw)]


def test_real_scores_below_one_percent_are_no_warning():
    # A model that cannot read a language pair (WebFAQ, Thai) scores this low for real.
    bitext = (
        "BitextMining",
        "MTEB WebFAQBitextMiningQAs (eng-tha)",
        {"f1": 0.0003, "accuracy": 0.12},
    )
    assert messages(card_with([NORMAL, bitext])) == []


def test_pair_classification_below_one_percent_is_a_0_to_1_score():
    pairs = ("PairClassification", "MTEB Cmnli", {"max_ap": 0.9065, "max_accuracy": 0.8359})
    [(severity, message)] = messages(card_with([NORMAL, pairs]))
    assert severity == "warning" and "looks like a 0 to 1 score" in message


def test_only_percentages_are_range_checked():
    metrics = {"accuracy": 71.2, "mse": 121.45, "cosine_accuracy_threshold": 4586263.5}
    assert messages(card_with([("Classification", "MTEB X", metrics)])) == []
    bad = {"accuracy": 150.0}
    [(severity, message)] = messages(card_with([NORMAL, ("Classification", "MTEB X", bad)]))
    assert severity == "error" and "150.0 is outside -100 to 100" in message


@pytest.mark.parametrize(
    "name",
    [
        "nauc_ndcg_at_10_max",
        "nAUC_map_diff1",
        "og_nauc_recall_at_10_max",
        "changed_mrr_at_1000_diff1",
        "individual_original_naucs_at_5_std",
        "max_over_subqueries_nauc_map_at_1000_max",
    ],
)
def test_nauc_diagnostics_under_any_prefix_are_neither_scores_nor_percentages(name: str):
    """Names from the results store's instruction-retrieval and reranking files: their NaN is
    no news (they are left out by default), and their values (-2 to 1) are no fractions."""
    from cardkit.modelindex import is_diagnostic, is_percentage

    assert is_diagnostic(name) and not is_percentage(name)


@pytest.mark.parametrize(
    "name", ["ndcg_at_10", "max_ap", "max_accuracy", "cosine_spearman", "mrr_at_10", "p-MRR"]
)
def test_scores_are_percentages(name: str):
    from cardkit.modelindex import is_diagnostic, is_percentage

    assert is_percentage(name) and not is_diagnostic(name)
