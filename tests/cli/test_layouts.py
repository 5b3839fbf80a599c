"""Output folders of other tools, written here the way those tools write them today (with mteb's
own writers, called as evalscope and FlagEmbedding call them), build into cards named after the
model.

- evalscope's MTEB backend evaluates through ``mteb.evaluate(..., cache=ResultCache(
  cache_path=output_folder))`` with a ModelMeta named ``"eval/" + basename(model path)``, at
  the configured revision (default ``master``); a two-stage run uses ``output_folder/stage1``
  and ``output_folder/stage2`` as caches and writes predictions to ``stageN/predictions``.
- FlagEmbedding's MTEB runner calls ``mteb.MTEB(tasks=[task]).run(retriever,
  output_folder=f"{output_dir}/{retriever}")``, where ``str(retriever)`` is the model path's
  basename and the retriever has no ModelMeta, so mteb files it under its placeholders.
- mteb 2.x files a run with experiment settings under ``<revision>/experiments/<name>/``.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import pytest
import yaml

from cardkit.cardtext.frontmatter import split_card
from tests.conftest import RESULTS, run_cli

pytestmark = pytest.mark.shared

QWEN = RESULTS / "Qwen__Qwen3-Embedding-0.6B" / "b22da495047858cce924d27d76261e96be6febc0"
TASKS = ("TNews", "T2Retrieval")
# Looked for, not imported: each test imports mteb itself, as at collection it would cost
# every test process 4-7 s.
if importlib.util.find_spec("mteb") is None:
    pytest.skip("mteb is not installed (pip install 'cardkit[run]')", allow_module_level=True)


def task_results():
    from mteb.results.task_result import TaskResult

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [TaskResult.from_disk(QWEN / f"{name}.json") for name in TASKS]


def evalscope_meta(model_path: str, revision: str = "master"):
    """The ModelMeta evalscope's models give mteb (evalscope/backend/rag_eval/models/base.py)."""
    import os

    from mteb.models.model_meta import ModelMeta

    return ModelMeta(
        loader=None,
        name="eval/" + os.path.basename(model_path),
        revision=revision,
        languages=None,
        release_date=None,
        n_parameters=None,
        memory_usage_mb=None,
        max_tokens=None,
        embed_dim=None,
        license=None,
        open_weights=None,
        public_training_code=None,
        public_training_data=None,
        similarity_fn_name=None,
        use_instructions=None,
        training_datasets=None,
        framework=["Sentence Transformers"],
    )


def evalscope_run(output_folder: Path, model_path: str, predictions: bool = False) -> None:
    """What ``mteb.evaluate`` leaves in evalscope's output folder for one model."""
    import mteb
    from mteb.cache import ResultCache

    meta = evalscope_meta(model_path)
    cache = ResultCache(cache_path=output_folder)
    for result in task_results():
        cache.save_to_cache(result, meta)
    if predictions:

        class Model:
            mteb_model_meta = meta

        task = mteb.get_task("T2Retrieval")
        task._save_task_predictions(
            {"q1": {"d1": 0.9}}, Model(), output_folder / "predictions", "dev", "default"
        )


def model_index(card: Path) -> list[dict]:
    return yaml.safe_load(split_card(card.read_text(encoding="utf-8")).yaml_text)["model-index"]


def test_evalscope_single_stage(tmp_path: Path):
    outputs = tmp_path / "outputs"
    evalscope_run(outputs, "/root/.cache/modelscope/hub/models/AI-ModelScope/m3e-base")
    assert (outputs / "results" / "eval__m3e-base" / "master" / "TNews.json").is_file()
    card = tmp_path / "README.md"
    done = run_cli("build", outputs, "-o", card, "--no-config")
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "m3e-base, 2 tasks" in done.stdout
    [entry] = model_index(card)
    assert entry["name"] == "m3e-base"
    assert "give --model-name ORG/NAME" in done.stderr
    named = run_cli("build", outputs, "-o", card, "--model-name", "moka-ai/m3e-base")
    assert model_index(card)[0]["name"] == "moka-ai/m3e-base", named.stderr
    assert "give --model-name" not in named.stderr


def test_evalscope_two_stage_gives_a_card_per_model(tmp_path: Path):
    outputs = tmp_path / "outputs"
    evalscope_run(outputs / "stage1", "AI-ModelScope/m3e-base", predictions=True)
    evalscope_run(outputs / "stage2", "jinaai/jina-reranker-v2-base-multilingual")
    assert (outputs / "stage1" / "predictions" / "T2Retrieval_predictions.json").is_file()

    one = run_cli("build", outputs, "-o", tmp_path / "README.md", "--no-config")
    assert one.returncode == 1
    assert "jina-reranker-v2-base-multilingual, m3e-base" in one.stderr

    cards = tmp_path / "cards"
    cards.mkdir()
    done = run_cli("build", outputs, "-o", cards, "--no-config")
    assert done.returncode == 0, done.stderr
    assert "mteb predictions, not results" in done.stderr
    for name in ("m3e-base", "jina-reranker-v2-base-multilingual"):
        [entry] = model_index(cards / name / "README.md")
        assert entry["name"] == name
        assert len({r["dataset"]["name"] for r in entry["results"]}) == len(TASKS)

    stage2 = run_cli("build", outputs / "stage2", "-o", tmp_path / "R.md", "--no-config")
    assert stage2.returncode == 0, stage2.stderr
    assert model_index(tmp_path / "R.md")[0]["name"] == "jina-reranker-v2-base-multilingual"


def test_flagembedding_runner(tmp_path: Path):
    from mteb.deprecated_evaluator import MTEB

    class Retriever:  # FlagEmbedding's MTEBEvalDenseRetriever: no mteb_model_meta
        def __str__(self) -> str:
            return "bge-m3"

    output_dir = tmp_path / "mteb_results"
    meta = MTEB.create_model_meta(Retriever())
    folder = MTEB._create_output_folder(None, meta, f"{output_dir}/{Retriever()}")
    MTEB._save_model_metadata(meta, folder)
    for result in task_results():
        result.to_disk(folder / f"{result.task_name}.json")
    assert folder == output_dir / "bge-m3" / "no_model_name_available" / "no_revision_available"

    card = tmp_path / "README.md"
    done = run_cli("build", output_dir, "-o", card, "--no-config")
    assert done.returncode == 0, done.stderr
    assert model_index(card)[0]["name"] == "bge-m3"
    assert "the results do not name the model" in done.stderr


def test_mteb_experiments(tmp_path: Path):
    import mteb
    from mteb.cache import ResultCache

    meta = mteb.get_model_meta("sentence-transformers/all-MiniLM-L6-v2")
    cache = ResultCache(cache_path=tmp_path)
    [tnews, t2] = task_results()
    cache.save_to_cache(tnews, meta)  # the default run: one task
    tuned = meta.model_copy(update={"experiment_kwargs": {"model_kwargs": {"torch_dtype": "fp16"}}})
    cache.save_to_cache(tnews, tuned)
    cache.save_to_cache(t2, tuned)
    revision = tmp_path / "results" / meta.model_name_as_path() / meta.revision
    experiment = revision / "experiments" / tuned.experiment_name
    assert (experiment / "T2Retrieval.json").is_file()

    card = tmp_path / "README.md"
    done = run_cli("build", revision, "-o", card, "--no-config")
    assert done.returncode == 0, done.stderr
    [entry] = model_index(card)
    assert entry["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert {r["dataset"]["name"] for r in entry["results"]} == {"MTEB TNews"}
    assert "also holds mteb experiments (the model run with other settings)" in done.stderr
    assert tuned.experiment_name in done.stderr

    exp_card = tmp_path / "experiment.md"
    done = run_cli("build", experiment, "-o", exp_card, "--no-config")
    assert done.returncode == 0, done.stderr
    [entry] = model_index(exp_card)
    assert entry["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert {r["dataset"]["name"] for r in entry["results"]} == {"MTEB TNews", "MTEB T2Retrieval"}
    assert f"mteb experiment '{tuned.experiment_name}'" in done.stderr
