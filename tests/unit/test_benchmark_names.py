"""An unknown benchmark name is answered with the closest known ones, not the whole list."""

from __future__ import annotations

import pytest

from cardkit.catalog import load_catalog
from cardkit.io.errors import CardkitError


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("mteb(cmn, v1)", "unknown benchmark 'mteb(cmn, v1)': did you mean 'MTEB(cmn, v1)'?"),
        ("MTEB(eng,v2)", "unknown benchmark 'MTEB(eng,v2)': did you mean 'MTEB(eng, v2)' or "),
        ("CMTEB", "unknown benchmark 'CMTEB': did you mean 'C-MTEB'"),
    ],
)
def test_a_misspelt_benchmark_gets_did_you_mean(typed: str, message: str):
    with pytest.raises(CardkitError) as error:
        load_catalog().benchmark(typed)
    assert str(error.value).startswith(message)
    assert "MTEB(Scandinavian, v1)" not in str(error.value)  # not the whole list


def test_a_name_like_no_benchmark_says_how_names_are_spelt():
    catalog = load_catalog()
    with pytest.raises(CardkitError) as error:
        catalog.benchmark("nothing like it")
    count = len(catalog.benchmark_names())
    assert str(error.value) == (
        f"unknown benchmark 'nothing like it': none of the {count} benchmarks cardkit knows is "
        "named like it (names as mteb spells them, e.g. 'MTEB(eng, v2)', 'MTEB(cmn, v1)', "
        "'C-MTEB')"
    )
