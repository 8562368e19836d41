"""Checkers for chapter 10, "Beyond one machine".

Each check takes the learner's function and the chapter's Dask client. The learner's function
gets a :class:`~lib.exercises.ch10_beyond_one_machine._common.CountingClient` instead: the same
client, which also counts the tasks submitted, the data scattered and the bytes sent with the
tasks, so a check can say "you sent the text with every task" or "one task per item".

One module an exercise, over what they share (``_common``):

- ``collect_all``: The check of exercise 10.1: every result and every exception, from a cluster.
- ``count_words``: The check of exercise 10.2: scatter the text once.
- ``batches``: The check of exercise 10.3: one task per batch.
"""

from __future__ import annotations

from lib.exercises.ch10_beyond_one_machine.batches import check_map_in_batches
from lib.exercises.ch10_beyond_one_machine.collect_all import check_collect_all
from lib.exercises.ch10_beyond_one_machine.count_words import check_count_words

__all__ = [
    "check_collect_all",
    "check_count_words",
    "check_map_in_batches",
]
