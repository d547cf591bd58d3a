"""发案 figures and populations on both stores (SQLite file and a real PostgreSQL server),
and a group's org-file population kept with the roster version."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.cases import CaseFigure
from bot.store import Store
from tests.conftest import small_town
from tests.test_store import NOW, store  # noqa: F401 (the fixture over both stores)


def test_figures_replace_and_read_back(store: Store) -> None:  # noqa: F811
    first = CaseFigure("李家村", "2026-11", 3, 1_500_000, "张主任", NOW)
    assert store.put_case_figure(first) is None
    store.put_case_figure(CaseFigure("王家村", "2026-10", 1, 12_345, "派出所", NOW))
    store.put_case_figure(CaseFigure("李家村", "2025-11", 2, 10**13, "张主任", NOW))
    again = CaseFigure("李家村", "2026-11", 4, 2_000_000, "派出所", NOW)
    assert store.put_case_figure(again) == first
    assert store.case_figures("2026-01", "2026-11") == [
        CaseFigure("王家村", "2026-10", 1, 12_345, "派出所", NOW),
        again,
    ]
    assert [f.month for f in store.case_figures("2025-01", "2026-12", "李家村")] == [
        "2025-11",
        "2026-11",
    ]
    assert store.case_figures("2025-11", "2025-11")[0].loss_fen == 10**13  # past 32 bits


def test_populations_set_and_cleared(store: Store) -> None:  # noqa: F811
    store.set_population("王家村", 800, NOW, "张主任")
    store.set_population("李家村", 100, NOW, "张主任")
    store.set_population("李家村", 2650, NOW, "张主任")
    assert store.set_populations() == {"王家村": 800, "李家村": 2650}
    store.set_population("王家村", None, NOW, "张主任")
    assert store.set_populations() == {"李家村": 2650}


def test_group_population_kept_with_the_roster(store: Store) -> None:  # noqa: F811
    org = small_town()
    org = replace(
        org, groups=tuple(replace(g, population=2650) if g.id == "lj" else g for g in org.groups)
    )
    store.save_org(org, NOW, "测试")
    loaded = store.load_org()
    assert loaded is not None and loaded.groups == org.groups
    assert loaded.group("lj") is not None and loaded.group("lj").population == 2650  # type: ignore[union-attr]
