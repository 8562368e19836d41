"""The check of exercise 10.2: scatter the text once."""

from __future__ import annotations

import itertools
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    require_type,
)
from lib.exercises.ch10_beyond_one_machine._common import (
    ClientSource,
    CountingClient,
    cluster_check,
    require_values,
)

__all__ = [
    "TEXT",
    "WORDS",
    "check_count_words",
]

WORDS = ["thread", "process", "task", "lock", "worker", "cluster"]
# About 200 kB: small enough to send quickly, large enough that sending it each time shows.
TEXT = (
    " ".join(
        f"a {word} waits for a lock while a {other} runs on a worker"
        for word, other in zip(WORDS * 500, reversed(WORDS * 500), strict=True)
    )
    + " the cluster " * 1000
)


_RUNS = itertools.count(1)


def _run(count_words: Any, source: ClientSource, words: list[str], time_limit: float) -> Any:
    # A text of its own for each run: scatter names data by its contents, and a run's text
    # must not share a name with a previous run's, which the cluster may be forgetting.
    text = f"{TEXT} (run {next(_RUNS)})"
    counting = CountingClient(source, large=len(text) // 2)
    try:
        answer = call_bounded(count_words, counting, text, list(words), time_limit=time_limit)
    except CaseFailed as failure:
        if counting.scatters > 1:  # a scatter's future dropped, its data went with it
            raise CaseFailed(
                f"{failure}: the text was scattered {counting.scatters} times: scatter it "
                "once, before the loop, and keep that one future until every task is done"
            ) from None
        raise
    require_type(answer, dict, "what count_words returns")
    require_values(answer, "the dict returned")
    return answer, counting, text


@cluster_check("Exercise 10.2: scatter the text once")
def check_count_words(
    checker: Checker, count_words: Any, source: ClientSource, time_limit: float
) -> None:
    """Run ``count_words(client, text, words)`` on a 200 kB text and six words."""
    answer, counting, text = _run(count_words, source, WORDS, time_limit)
    with checker.case("each word's count, as text.count(word) gives it"):
        expected = {word: text.count(word) for word in WORDS}
        if set(answer) != set(WORDS):
            raise CaseFailed(f"the keys should be the words {WORDS}, got {sorted(answer)}")
        wrong = {w: answer[w] for w in WORDS if answer[w] != expected[w]}
        if wrong:
            word = next(iter(wrong))
            raise CaseFailed(f"{word!r} should count {expected[word]}, got {wrong[word]!r}")
    with checker.case("the counting ran on the cluster, one task per word"):
        if counting.tasks != len(WORDS):
            raise CaseFailed(
                f"{counting.tasks} tasks for {len(WORDS)} words: submit one task per word "
                "(client.submit(str.count, ..., word))"
            )
    with checker.case("the text went to the cluster once (scatter), not with every task"):
        if counting.sent_large:
            raise CaseFailed(
                f"{counting.sent_large} tasks carried the whole text: scatter it once "
                "(text_future = client.scatter(text)) and pass the future to each task"
            )
        if counting.scatters != 1:
            raise CaseFailed(
                f"the text was scattered {counting.scatters} times: scatter it once, before "
                "the loop, and keep that one future until every task is done"
            )
    with checker.case("with no words: an empty dict"):
        empty, _, _ = _run(count_words, source, [], time_limit)
        if empty:
            raise CaseFailed(f"got {empty!r}")
