import zoneinfo
from functools import cache


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - {"localtime", "Factory"})


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(_zones())]


def is_valid_time_zone(name: str) -> bool:
    return name in _zones()
