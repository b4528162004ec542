"""The variants as context managers: one home for their names, and everything put back on exit.

Like ``override_settings``, a variant restores what it found when its block ends, even
when the block raises: the eager and caching switches, each app's plan indexes, and no
cache keys of its own left behind.
"""

from __future__ import annotations

import pytest
from django_redis import get_redis_connection

from marketplace.api import switches
from marketplace.cache import store
from workbench.study import plan_indexes, variants


class Boom(Exception):
    pass


def _state() -> tuple[bool, bool, dict[str, bool], set[str]]:
    return (
        switches.eager_loading(),
        switches.caching(),
        variants.index_state(),
        plan_indexes.present(),
    )


def _our_keys() -> list[bytes]:
    return list(get_redis_connection("default").scan_iter(match=store.key("*")))


def test_one_home_for_names_order_colours_and_descriptions():
    assert variants.NAMES == ("baseline", "indexes", "eager", "cache", "all")
    assert variants.BASELINE == "baseline"
    assert tuple(variants.VARIANTS) == variants.NAMES
    assert list(variants.COLOURS) == list(variants.NAMES)
    assert all(c.startswith("#") and len(c) == 7 for c in variants.COLOURS.values())
    assert list(variants.DESCRIPTIONS) == list(variants.NAMES)
    assert list(variants.select(["all", "baseline"])) == ["baseline", "all"]
    with pytest.raises(ValueError, match="unknown variant 'nope'"):
        variants.select(["nope"])


@pytest.mark.parametrize("name", variants.NAMES)
@pytest.mark.parametrize("indexes_applied", [True, False], ids=["applied", "reverted"])
def test_a_variant_restores_what_it_found_even_when_its_block_raises(
    name, indexes_applied, db, settings
):
    variant = variants.VARIANTS[name]
    variants.set_indexes(indexes_applied)
    settings.WORKBENCH_EAGER = not variant.eager  # the opposite of what the variant sets
    settings.WORKBENCH_CACHE = not variant.cache
    before = _state()
    with pytest.raises(Boom), variant() as entered:
        assert entered is variant
        assert (switches.eager_loading(), switches.caching()) == (variant.eager, variant.cache)
        assert set(variants.index_state().values()) == {variant.indexes}
        assert plan_indexes.present() == (set(plan_indexes.NAMES) if variant.indexes else set())
        store.write("variant-test", b"0", b"entry", ttl=60)
        assert _our_keys()
        raise Boom
    assert _state() == before
    assert _our_keys() == []


def test_a_variant_restores_what_it_found_when_its_block_ends_normally(db):
    variants.set_indexes(False)
    before = _state()
    with variants.VARIANTS["all"]():
        assert plan_indexes.present() == set(plan_indexes.NAMES)
        assert (switches.eager_loading(), switches.caching()) == (True, True)
    assert _state() == before


def test_restoring_puts_back_indexes_changed_inside_it(db):
    variants.set_indexes(True)
    before = _state()
    with pytest.raises(Boom), variants.restoring() as found:
        assert found == dict.fromkeys(plan_indexes.APPS, True)
        variants.set_indexes(False)
        assert plan_indexes.present() == set()
        raise Boom
    assert _state() == before
