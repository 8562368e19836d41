"""The alt texts of ``lib.charts.choosing``'s measured pictures, made from their data.

Private to ``lib.charts``: each function gives the text its plot helper passes to
:func:`lib.charts.alt.describe`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lib.charts._generic_alt import amount, listing, times

__all__ = ["four_ways_alt", "scaling_alt"]


def four_ways_alt(
    title: str,
    seconds: Mapping[tuple[str, str], float],
    ideal: Mapping[str, float],
    workloads: Mapping[str, str],
    models: Sequence[str],
) -> str:
    """Each workload's time through each model, its speed-up over the first model, and the
    ideal. Raises KeyError if a (workload, model) has no time or a workload no ideal."""
    groups = []
    for workload, name in workloads.items():
        base = seconds[workload, models[0]]
        each = [
            f"{model} {amount(seconds[workload, model], 's')} "
            f"({times(base / seconds[workload, model])})"
            for model in models
        ]
        groups.append(f"{name}: {', '.join(each)}; ideal {amount(ideal[workload], 's')}")
    return f"{title}: wall-clock time and speed-up over {models[0]}. {'. '.join(groups)}."


def scaling_alt(
    title: str,
    sweeps: Mapping[str, tuple[Sequence[int], Sequence[float], Sequence[float]]],
    waiting: Sequence[str],
    limits: Mapping[str, int],
    wait: float,
    worth_it: float,
) -> str:
    """Left: each waiting sweep's time at its first and last count against the one wait;
    right: each model's limit, the last count still at ``worth_it`` of the ideal.
    Raises KeyError if a model has no limit."""
    left = [
        f"{model} {amount(sweep[1][0], 's')} at {sweep[0][0]:,} and "
        f"{amount(sweep[1][-1], 's')} at {sweep[0][-1]:,}"
        for model, sweep in sweeps.items()
        if model in waiting
    ]
    right = [f"{model} {limits[model]:,}" for model in sweeps]
    return (
        f"{title}. Time for n tasks that each wait {amount(wait * 1000, 'ms')}: "
        f"{'; '.join(left)}. Last count still worth it ({worth_it:.0%} of the ideal or "
        f"better): {listing(right)}."
    )
