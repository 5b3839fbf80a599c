"""Each rule of `cardkit audit`, on a folder that passes it and one that fails it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from cardkit.audit import audit_paths, copied_scores
from cardkit.audit.ci import ModelJob, audit_model
from cardkit.audit.integrity import check_file, version_tuple
from cardkit.audit.repo import BaseStore, exceptions_from_tests, shipped_exceptions
from cardkit.audit.rules import BY_ID, RULES
from tests.audit_fixtures import SHA, block, result, write_revision
from tests.conftest import CARDS, DMETA_CARD, RESULTS


def rules_of(paths: list[Path], against: Path | None = None) -> dict[str, list]:
    report = audit_paths(paths, against=against, use_mteb=False)
    found: dict[str, list] = {}
    for finding in report.findings:
        found.setdefault(finding.rule, []).append(finding)
    return found


def integrity(data: dict, task: str = "SciFact") -> list[str]:
    return [
        f.rule for f in check_file(data, "f.json", task, version_tuple(data.get("mteb_version")))
    ]


def test_every_rule_has_its_evidence_and_fix():
    assert len({r.id for r in RULES}) == len(RULES) >= 22
    for rule in RULES:
        assert rule.checks and rule.fix and rule.source


def test_a_clean_new_model_passes_every_rule(tmp_path):
    write_revision(tmp_path, files={"SciFact": result("SciFact"), "NFCorpus": result("NFCorpus")})
    assert rules_of([tmp_path / "org__model"]) == {}


# --- the results repository's CI rules ---------------------------------------------------


def test_folder_structure(tmp_path):
    write_revision(tmp_path, meta={"name": "org/other-model"})
    (finding,) = rules_of([tmp_path / "org__model"])["folder-structure"]
    assert "org__other-model" in finding.message
    assert finding.file.endswith("model_meta.json")


def test_model_meta_present(tmp_path):
    write_revision(tmp_path, with_meta=False)
    assert list(rules_of([tmp_path / "org__model"])) == ["model-meta-present"]


def test_a_file_in_a_model_folder_fails_as_a_revision_without_model_meta(tmp_path):
    write_revision(tmp_path)
    (tmp_path / "org__model" / "notes.txt").write_text("x")
    (tmp_path / "org__model" / ".DS_Store").write_text("x")
    (finding,) = rules_of([tmp_path / "org__model"])["model-meta-present"]
    assert finding.file.endswith("notes.txt")


def test_model_meta_may_lack_in_the_legacy_folders_the_repository_lists():
    assert (
        "BAAI__bge-base-zh",
        "no_revision_available",
    ) in shipped_exceptions().folders_without_meta
    assert rules_of([RESULTS / "BAAI__bge-base-zh"]) == {}


def test_revision_specified(tmp_path):
    write_revision(tmp_path, revision="no_revision_available")
    assert list(rules_of([tmp_path / "org__model"])) == ["revision-specified"]
    write_revision(tmp_path, folder="api__model", revision="2")
    assert rules_of([tmp_path / "api__model"]) == {}


def test_revision_placeholders_pass_where_the_repository_excepts_them(tmp_path):
    assert (
        "voyageai__voyage-3",
        "no_revision_available",
    ) in shipped_exceptions().revision_exceptions
    write_revision(tmp_path, folder="voyageai__voyage-3", revision="no_revision_available")
    assert rules_of([tmp_path / "voyageai__voyage-3"]) == {}


def test_organisation_specified(tmp_path):
    write_revision(tmp_path, folder="model")
    assert list(rules_of([tmp_path / "model"])) == ["organisation-specified"]


def test_revision_matches_path(tmp_path):
    write_revision(tmp_path, meta={"revision": "f" * 40})
    found = rules_of([tmp_path / "org__model"])
    assert sorted(found) == ["folder-structure", "revision-matches-path"]


def test_no_duplicate_revisions(tmp_path):
    write_revision(tmp_path, files={"SciFact": result("SciFact")})
    write_revision(
        tmp_path, revision="b" * 40, meta={"revision": SHA}, files={"NFCorpus": result("NFCorpus")}
    )
    found = rules_of([tmp_path / "org__model"])
    assert "no-duplicate-revisions" in found
    assert "no-duplicate-tasks" not in found


def test_task_name_matches_file(tmp_path):
    folder = write_revision(tmp_path, files={"SciFact": result("NFCorpus")})
    (folder / "Broken.json").write_text("{not json")
    found = rules_of([tmp_path / "org__model"])["task-name-matches-file"]
    assert [Path(f.file).name for f in found] == ["Broken.json", "SciFact.json"]


def test_no_duplicate_tasks(tmp_path):
    write_revision(tmp_path)
    write_revision(tmp_path, revision="b" * 40)
    (finding,) = rules_of([tmp_path / "org__model"])["no-duplicate-tasks"]
    assert finding.place == "SciFact"


def test_file_size(tmp_path):
    folder = write_revision(tmp_path)
    text = json.dumps(result("NFCorpus"))
    (folder / "NFCorpus.json").write_text(text[:-1] + " " * (10 * 1024 * 1024) + "}")
    assert list(rules_of([tmp_path / "org__model"])) == ["file-size"]


def _main_store(tmp_path: Path) -> Path:
    main = tmp_path / "main"
    data = result("SciFact", test=[block(0.5, "en", ["eng-Latn", "deu-Latn"]), block(0.6, "de")])
    write_revision(main, files={"SciFact": data})
    return main


def _changed(tmp_path: Path, data: dict) -> Path:
    return write_revision(tmp_path / "pr", files={"SciFact": data})


def test_against_main_a_file_unchanged_or_within_the_threshold_passes(tmp_path):
    main = _main_store(tmp_path)
    nudged = result(
        "SciFact", test=[block(0.5009, "en", ["eng-Latn", "deu-Latn"]), block(0.6, "de")]
    )
    assert rules_of([_changed(tmp_path, nudged)], against=main) == {}


def test_no_splits_removed(tmp_path):
    main = _main_store(tmp_path)
    fewer = result("SciFact", test=[block(0.5, "en", ["eng-Latn", "deu-Latn"])])
    (finding,) = rules_of([_changed(tmp_path, fewer)], against=main)["no-splits-removed"]
    assert "'de'" in finding.message


def test_no_languages_removed(tmp_path):
    main = _main_store(tmp_path)
    fewer = result("SciFact", test=[block(0.5, "en", ["eng-Latn"]), block(0.6, "de")])
    (finding,) = rules_of([_changed(tmp_path, fewer)], against=main)["no-languages-removed"]
    assert "deu-Latn" in finding.message


def test_main_score_within_threshold(tmp_path):
    main = _main_store(tmp_path)
    moved = result("SciFact", test=[block(0.5, "en", ["eng-Latn", "deu-Latn"]), block(0.62, "de")])
    (finding,) = rules_of([_changed(tmp_path, moved)], against=main)["main-score-within-threshold"]
    assert "+0.02000" in finding.message


def test_against_main_a_task_in_another_revision_there_is_a_duplicate(tmp_path):
    main = _main_store(tmp_path)
    pr = write_revision(tmp_path / "pr", revision="c" * 40)
    assert list(rules_of([pr], against=main)) == ["no-duplicate-tasks"]


def test_exception_lists_are_read_from_the_repository_tests(tmp_path):
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_correct_folder_structure.py").write_text(
        'folders_without_meta = [("a__b", "no_revision_available")]\n'
    )
    (tests / "test_ensure_correct_metadata.py").write_text(
        'x = 1\nrevision_exceptions = [\n    ("c__d", "external"),  # legacy\n]\n'
    )
    found = exceptions_from_tests(tmp_path)
    assert found.folders_without_meta == {("a__b", "no_revision_available")}
    assert found.revision_exceptions == {("c__d", "external")}


def test_a_plain_folder_as_main(tmp_path):
    main = _main_store(tmp_path)
    base = BaseStore(main, "")
    assert base.revisions("org__model") == [SHA]
    assert base.read("org__model", SHA, "Nothing.json") is None
    assert base.task_files("SciFact") == [("org__model", SHA)]


# --- integrity rules ----------------------------------------------------------------------


def test_value_range():
    assert integrity(result("SciFact")) == []
    assert integrity(result("SciFact", test=[block(0.5, recall_at_10=1.3)])) == ["value-range"]
    assert integrity(result("SciFact", test=[block(50.0, recall_at_10=130.0)])) == ["value-range"]
    signed = block(0.5, cosine_spearman=-0.4)
    assert integrity(result("STSB", test=[signed]), "STSB") == []
    signed["cosine_spearman"] = -1.4
    assert integrity(result("STSB", test=[signed]), "STSB") == ["value-range"]


def test_mixed_scale():
    both = result("SciFact", test=[block(0.5, "en"), block(61.0, "de", recall_at_10=70.0)])
    assert integrity(both) == ["mixed-scale"]
    percent = block(
        61.0, recall_at_10=70.0, map_at_10=40.0, mrr_at_10=44.0, precision_at_1=30.0, mrr_at_1=30.0
    )
    percent["main_score"] = 0.61
    assert integrity(result("SciFact", test=[percent])) == ["mixed-scale"]
    assert (
        integrity(
            result(
                "SciFact",
                test=[
                    block(
                        61.0,
                        recall_at_10=70.0,
                        map_at_10=40.0,
                        mrr_at_10=44.0,
                        precision_at_1=30.0,
                        mrr_at_1=30.0,
                    )
                ],
            )
        )
        == []
    )


def test_main_score_missing():
    nan = block(0.5)
    nan["main_score"] = math.nan
    assert integrity(result("SciFact", test=[nan])) == ["main-score-missing"]
    gone = block(0.5)
    del gone["main_score"]
    assert integrity(result("SciFact", test=[gone])) == ["main-score-missing"]


def test_main_score_missing_on_real_data():
    report = audit_paths([RESULTS / "intfloat__multilingual-e5-small"], use_mteb=False)
    (finding,) = report.findings
    assert (finding.rule, Path(finding.file).name) == ("main-score-missing", "AFQMC.json")
    assert finding.place == "scores.test[0].main_score"


def test_main_score_unmatched():
    odd = block(0.5)
    odd["main_score"] = 0.4242
    assert integrity(result("SciFact", test=[odd])) == ["main-score-unmatched"]


def test_metric_agreement_mrr_at_1_from_the_version_that_broke_ties_as_pytrec_eval():
    tied = block(0.5, mrr_at_1=0.36)
    assert integrity(result("SciFact", "2.18.7", test=[tied])) == []
    assert integrity(result("SciFact", "2.19.0", test=[tied])) == ["metric-agreement"]
    assert integrity(result("SciFact", "2.18.19", test=[block(0.5)])) == []


def test_metric_agreement_hit_rate_and_max_of_similarities():
    assert integrity(result("SciFact", test=[block(0.5, hit_rate_at_1=0.33)])) == []
    assert integrity(result("SciFact", test=[block(0.5, hit_rate_at_1=0.4)])) == [
        "metric-agreement"
    ]
    pair = {
        f"{s}_ap": v
        for s, v in zip(("cosine", "euclidean", "manhattan", "dot"), (0.8, 0.7, 0.71, 0.6))
    }
    good = {
        **pair,
        "max_ap": 0.8,
        "main_score": 0.8,
        "hf_subset": "default",
        "languages": ["eng-Latn"],
    }
    assert integrity(result("SprintDuplicateQuestions", test=[good])) == []
    bad = {**good, "max_ap": 0.85, "main_score": 0.85}
    assert integrity(result("SprintDuplicateQuestions", test=[bad])) == ["metric-agreement"]
    # Without cosine's score the file cannot show which function was best: not checked.
    no_cosine = {k: v for k, v in bad.items() if k != "cosine_ap"}
    assert integrity(result("SprintDuplicateQuestions", test=[no_cosine])) == []


def test_known_evaluator_bug():
    differ = block(0.5, mrr_at_1=0.4)
    assert integrity(
        result("TwitterHjerneRetrieval", "1.18.0", test=[differ]), "TwitterHjerneRetrieval"
    ) == ["known-evaluator-bug"]
    assert (
        integrity(
            result("TwitterHjerneRetrieval", "1.18.0", test=[block(0.5)]), "TwitterHjerneRetrieval"
        )
        == []
    )
    assert (
        integrity(
            result("TwitterHjerneRetrieval", "1.19.0", test=[differ]), "TwitterHjerneRetrieval"
        )
        == []
    )


def _scores(seed: int) -> dict:
    values = {f"ndcg_at_{k}": round(0.1 * seed + 0.01 * k, 4) for k in (1, 3, 5, 10, 20)}
    return result(
        "T",
        test=[
            {
                **values,
                "main_score": values["ndcg_at_10"],
                "hf_subset": "default",
                "languages": ["eng-Latn"],
            }
        ],
    )


def _copy_store(tmp_path: Path, shared_tasks: int) -> list:
    for folder in ("org__first", "org__second"):
        files = {f"Task{i}": {**_scores(i), "task_name": f"Task{i}"} for i in range(shared_tasks)}
        files[f"Own{folder}"] = {
            **_scores(7 if folder == "org__first" else 8),
            "task_name": f"Own{folder}",
        }
        write_revision(tmp_path, folder=folder, files=files)
    return audit_paths([tmp_path], use_mteb=False).findings


def test_copied_scores(tmp_path):
    (finding,) = _copy_store(tmp_path / "three", 3)
    assert (finding.rule, finding.file) == ("copied-scores", "org__second")
    assert _copy_store(tmp_path / "two", 2) == []


def test_copied_scores_leaves_out_a_block_many_models_share(tmp_path):
    for folder in ("org__a", "org__b", "org__c"):
        write_revision(
            tmp_path,
            folder=folder,
            files={f"Task{i}": {**_scores(i), "task_name": f"Task{i}"} for i in range(4)},
        )
    audits = [
        audit_model(ModelJob(p, tuple(p.iterdir()), None, shipped_exceptions()))
        for p in sorted(tmp_path.iterdir())
    ]
    assert copied_scores(audits) == []


def test_card_table_disagrees_with_the_model_index():
    (finding,) = rules_of([DMETA_CARD])["card-table"]
    assert "64.09" in finding.message and "64.89" in finding.message
    assert finding.place.endswith(": STS")


def test_cards_whose_tables_agree_pass():
    assert rules_of(sorted(CARDS.glob("*.md"))) == {}


def test_rule_ids_in_findings_are_known(tmp_path):
    write_revision(tmp_path, folder="model", revision="external", files={"X": {"scores": 1}})
    for finding in audit_paths([tmp_path / "model"], use_mteb=False).findings:
        assert finding.rule in BY_ID


@pytest.mark.parametrize("text", ["1.18.0", "2.10.0-2.18.7", "v1.2"])
def test_version_tuple(text):
    assert version_tuple(text) is not None or text == "v1.2"
