"""The shipped catalog read lazily (each task's line parsed when first asked for) holds the
same data as catalog.json parsed whole, and a text in any other layout is parsed whole."""

from __future__ import annotations

import json

from cardkit.catalog import CATALOG_PATH, Catalog, load_catalog, read_catalog


def test_the_lazy_catalog_holds_what_json_reads():
    text = CATALOG_PATH.read_text(encoding="utf-8")
    whole = json.loads(text)
    lazy = read_catalog(text)
    assert type(lazy["tasks"]) is not dict  # read lazily, not parsed whole
    assert list(lazy) == list(whole)
    assert {k: v for k, v in lazy.items() if k != "tasks"} == {
        k: v for k, v in whole.items() if k != "tasks"
    }
    assert list(lazy["tasks"]) == list(whole["tasks"])
    assert len(whole["tasks"]) > 1000
    assert all(lazy["tasks"][name] == raw for name, raw in whole["tasks"].items())


def test_the_loaded_catalog_answers_as_one_built_from_the_whole_data():
    loaded, built = load_catalog(), Catalog(json.loads(CATALOG_PATH.read_text(encoding="utf-8")))
    assert loaded.task_names() == built.task_names()
    for name in [*built.task_names()[::7], *built.aliases]:
        assert loaded.get(name) == built.get(name)
        assert loaded.hub_dataset(name) == built.hub_dataset(name)
    assert "NoSuchTask" not in loaded and loaded.get("NoSuchTask") is None


def test_copies_lay_the_project_and_recorded_tasks_over_the_shipped_ones():
    catalog = load_catalog()
    name = catalog.task_names()[0]
    mine = {"type": "Retrieval", "dataset": "me/mine", "main_score": "ndcg_at_10"}
    recorded = {"type": "STS", "dataset": "run/recorded", "main_score": "cosine_spearman"}
    project = catalog.with_tasks({name: mine, "MyTask": mine})
    assert project.task(name).dataset == "me/mine" and project.task("MyTask").type == "Retrieval"
    both = project.with_recorded_tasks({name: recorded, "Other": recorded})
    assert both.task(name).dataset == "me/mine"  # the project's own declaration wins
    assert both.task("Other").dataset == "run/recorded"
    assert catalog.task(name).dataset != "me/mine"  # the shipped catalog is unchanged
    assert set(both.task_names()) == {*catalog.task_names(), "MyTask", "Other"}


def test_any_other_layout_is_parsed_whole():
    data = {"mteb_version": "1", "tasks": {"A": {"type": "STS"}}, "aliases": {}}
    for text in (json.dumps(data), json.dumps(data, indent=1), json.dumps(data, indent=3)):
        assert read_catalog(text) == data
        assert type(read_catalog(text)["tasks"]) is dict


def test_a_task_line_the_lazy_reader_cannot_split_makes_the_whole_text_parsed():
    lines = ['  "A": {"type":"STS"}', '  "B\\"q": {"type":"STS"}', '  "C": {"type":"STS"}']
    for body in (",\n".join(lines), ",\n".join([lines[0], lines[0]])):
        text = '{\n "mteb_version": "1",\n "tasks": {\n' + body + '\n },\n "aliases": {}\n}'
        assert read_catalog(text) == json.loads(text)
        assert type(read_catalog(text)["tasks"]) is dict
    text = '{\n "mteb_version": "1",\n "tasks": {\n' + lines[0] + '\n },\n "aliases": {}\n}'
    assert type(read_catalog(text)["tasks"]) is not dict
    assert dict(read_catalog(text)["tasks"]) == {"A": {"type": "STS"}}
