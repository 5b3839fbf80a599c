"""The rules `cardkit audit` holds results to, as data: what each checks, its evidence, the fix.

Two families. ``ci``: the checks the public results repository (``embeddings-benchmark/results``)
runs on every pull request, each named after the test or workflow that holds it, so a finding
here is a failure there. ``integrity``: what that CI does not check but a result file can get
wrong, each with the mteb issue or metric definition behind it and the false-positive count
measured on the whole public store (see docs/commands/audit.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Family = Literal["ci", "integrity"]


@dataclass(frozen=True)
class Rule:
    id: str
    family: Family
    checks: str  # what holds when the rule passes
    fix: str  # what to do about a finding
    source: str  # the test or workflow of the results repository, or the evidence
    needs_base: bool = False  # compares with the results repository's main (--against)
    needs_mteb: bool = False  # runs only where mteb can be imported


_TESTS = "embeddings-benchmark/results tests/"

RULES: tuple[Rule, ...] = (
    Rule(
        "folder-structure",
        "ci",
        "model_meta.json's name and revision give the folder it lies in "
        "(results/<org>__<model>/<revision>/), and that folder holds result files",
        "move the files to results/<name with / as __>/<revision>/, or fix model_meta.json",
        _TESTS + "test_correct_folder_structure.py::test_correct_folder_structure",
    ),
    Rule(
        "model-meta-present",
        "ci",
        "every revision folder holds a model_meta.json (a few legacy folders excepted)",
        "add the model_meta.json mteb writes beside the results",
        _TESTS + "test_ensure_correct_metadata.py::test_model_meta_in_folders",
    ),
    Rule(
        "revision-specified",
        "ci",
        "the revision in model_meta.json is a 40-character commit sha (or a one-character "
        "API version), not no_revision_available or external",
        "evaluate a pinned revision of the model and record it",
        _TESTS + "test_ensure_correct_metadata.py::test_revision_is_specified_for_new_additions",
    ),
    Rule(
        "organisation-specified",
        "ci",
        "the model name in model_meta.json holds an organisation (org/model)",
        "name the model as on the Hub: org/model",
        _TESTS
        + "test_ensure_correct_metadata.py::test_organization_is_specified_for_new_additions",
    ),
    Rule(
        "revision-matches-path",
        "ci",
        "the revision folder's name is model_meta.json's revision",
        "rename the folder to the revision, or fix model_meta.json",
        _TESTS + "test_ensure_correct_metadata.py::test_that_revision_match",
    ),
    Rule(
        "no-duplicate-revisions",
        "ci",
        "no two revision folders of a model hold the same revision",
        "merge the folders into one",
        _TESTS + "test_ensure_correct_metadata.py::test_no_duplicate_revisions",
    ),
    Rule(
        "task-name-matches-file",
        "ci",
        "every result file is JSON whose task_name (or legacy mteb_dataset_name) is its file name",
        "name the file <task_name>.json",
        _TESTS + "test_task_name_matches_filename.py::test_task_name_matches_filename",
    ),
    Rule(
        "no-duplicate-tasks",
        "ci",
        "a task has results in one revision folder of a model only; the test also needs "
        "the model in mteb's registry to choose which one to keep",
        "delete the task's file from all but one revision",
        _TESTS + "test_duplicate_results.py::test_no_duplicate_task_results_exist",
    ),
    Rule(
        "no-splits-removed",
        "ci",
        "a changed result file keeps every split and subset the file on main has",
        "keep the old splits and subsets in the file",
        _TESTS + "test_no_splits_are_removed.py::test_no_splits_are_removed",
        needs_base=True,
    ),
    Rule(
        "no-languages-removed",
        "ci",
        "a changed result file keeps every language of each split and subset on main",
        "keep the old languages in the file",
        _TESTS + "test_no_languages_are_removed.py::test_no_languages_are_removed",
        needs_base=True,
    ),
    Rule(
        "main-score-within-threshold",
        "ci",
        "no main score of a changed file moves more than 0.001 from main's",
        "explain the change in the pull request, or submit the results under a new revision",
        _TESTS + "test_results_diff.py::test_result_diffs_within_threshold",
        needs_base=True,
    ),
    Rule(
        "file-size",
        "ci",
        "every file added or changed is at most 10 MiB",
        "shrink the file (the repository's reduce_large_json_files.py drops per-item scores)",
        "embeddings-benchmark/results .github/workflows/check_file_sizes.yml",
    ),
    Rule(
        "model-in-mteb",
        "ci",
        "the model (its model_meta.json name, or its folder name) is in mteb's model registry",
        "add the model to mteb (mteb/models/model_implementations/) first",
        _TESTS + "test_model_implementation.py::test_all_models_are_implemented_in_mteb",
        needs_mteb=True,
    ),
    Rule(
        "loadable-by-mteb",
        "ci",
        "mteb knows the task and loads the result file (mteb.get_task, TaskResult.from_disk), "
        "as the pull request's comparison workflow does",
        "write the file with mteb, under the task's current name",
        "embeddings-benchmark/results scripts/create_pr_results_comment.py",
        needs_mteb=True,
    ),
    Rule(
        "value-range",
        "integrity",
        "every score lies in its range: 0..1 (or 0..100 for a file in percent), "
        "correlations, nAUC and differences of scores in -1..1",
        "rerun the evaluation: no metric mteb writes can take this value",
        "the metric definitions (sklearn, scipy, pytrec_eval as mteb calls them)",
    ),
    Rule(
        "mixed-scale",
        "integrity",
        "a file is on one scale: its main scores all 0..1 or all 0..100",
        "write every score of the file on one scale (mteb writes 0..1)",
        "mteb writes 0..1; files converted from cards hold 0..100; the leaderboard divides "
        "scores over 1 by 100 one by one (results scripts/create_pr_results_comment.py)",
    ),
    Rule(
        "main-score-missing",
        "integrity",
        "every split and subset of a file holds a finite main_score",
        "rerun the task: a NaN or missing main score is left out of every average",
        "mteb 1.12 wrote main_score NaN for AFQMC's unlabelled test split",
    ),
    Rule(
        "main-score-unmatched",
        "integrity",
        "main_score equals one of the metrics beside it (mteb copies it from the task's "
        "main metric)",
        "set main_score to the task's main metric, as mteb writes it",
        "mteb's AbsTask sets scores['main_score'] = scores[metadata.main_score]",
    ),
    Rule(
        "metric-agreement",
        "integrity",
        "metrics that are equal by definition in the mteb version that wrote the file are "
        "equal (MRR@1 = precision@1 from mteb 2.18.19; hit_rate@1 = precision@1; max_ap, "
        "max_f1, max_accuracy the largest of the four similarity functions')",
        "rerun the task with a current mteb",
        "mteb#5092 and its fix mteb#5136 (2.18.19: MRR ties broken as pytrec_eval breaks "
        "them); pytrec_eval P@1 and success@1; mteb's PairClassificationEvaluator",
    ),
    Rule(
        "known-evaluator-bug",
        "integrity",
        "no result of a task from an mteb version with a known bug in that task "
        "(TwitterHjerneRetrieval before 1.18.1, seen as MRR@1 != precision@1)",
        "rerun the task with a current mteb",
        "mteb#5228",
    ),
    Rule(
        "copied-scores",
        "integrity",
        "no two model folders hold identical score blocks for the same tasks",
        "check that the results are this model's own",
        "a copied folder: identical blocks of 5+ metrics in 3+ tasks",
    ),
    Rule(
        "card-table",
        "integrity",
        "the summary table of a card shows the averages its own model-index gives",
        "rebuild the card's table from its model-index (cardkit build)",
        "the Dmeta-embedding card: STS 64.09 in its table, 64.89 from its model-index",
    ),
)

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
CI_RULES = tuple(r.id for r in RULES if r.family == "ci")
INTEGRITY_RULES = tuple(r.id for r in RULES if r.family == "integrity")
