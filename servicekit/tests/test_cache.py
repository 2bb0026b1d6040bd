from servicekit.cache import TtlCache


def test_a_value_lives_for_its_seconds():
    cache = TtlCache[str](10)
    cache.put("k", "v", now=100.0)
    assert cache.get("k", now=109.9) == "v"
    assert cache.get("k", now=110.0) is None
    assert cache.get("k", now=105.0) is None  # gone once expired


def test_a_clock_that_went_back_is_a_miss():
    cache = TtlCache[str](10)
    cache.put("k", "v", now=100.0)
    assert cache.get("k", now=99.0) is None


def test_the_oldest_written_goes_first_when_full():
    cache = TtlCache[int](60, size=2)
    for i, key in enumerate("abc"):
        cache.put(key, i, now=0.0)
    assert cache.get("a", now=1.0) is None and cache.get("b", now=1.0) == 1 and cache.get("c", now=1.0) == 2


def test_zero_seconds_keeps_nothing():
    cache = TtlCache[str](0)
    cache.put("k", "v", now=0.0)
    assert not cache.enabled and cache.get("k", now=0.0) is None
