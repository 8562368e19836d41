"""Grading on a Dask cluster: each submission a task, graded by a worker in its own sandbox.

``python -m grading SUBMISSIONS --scheduler tcp://host:8786`` (``make grade
SCHEDULER=tcp://host:8786``) sends each submission to the cluster's scheduler, the same
``distributed`` that chapter 10 uses. The workers must run from a copy of the same book (its
``lib``, ``grading`` and Python environment: ``dask worker tcp://host:8786`` started in the
book's folder with its ``.venv``); a worker whose ``lib`` differs from the teacher's grades
nothing, and its rows say so. Each worker grades in a scratch folder of its own, in its own
sandbox where bubblewrap works there, and sends back the whole :class:`~grading.checks.Grade`,
so the gradebook and feedback pages are written here exactly as for local grading.

A worker that dies mid-submission loses nothing: the scheduler runs its task again on another
worker (distributed's ``allowed-failures``, 3 by default; after that the row says that its
workers kept dying).
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import tempfile
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path

from grading.checks import Grade, Limits, grade
from grading.pristine import pristine_lib
from grading.sandbox import SandboxLimits, find_sandbox
from grading.submissions import Submission

__all__ = ["TRIES", "grade_on_cluster", "grade_task", "lib_digest"]

TRIES = 4  # the first run of a task, and distributed's reruns after a worker dies (3 by default)
CONNECT_TIMEOUT = 30.0  # seconds to reach the scheduler


def lib_digest() -> str:
    """A digest of this machine's ``lib``, to tell a worker's book from the teacher's."""
    digest = hashlib.sha256()
    for name, content in pristine_lib().items():
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def grade_task(
    submission: Submission,
    limits: Limits,
    sandbox: str,
    sandbox_limits: SandboxLimits,
    expected_lib: str,
) -> Grade:
    """Grade one submission on this worker (``sandbox`` is auto, on or off). Never raises."""
    if lib_digest() != expected_lib:
        return Grade(submission, events=["not graded: this worker's lib differs from the book's"])
    box, why = (None, "none: turned off (--sandbox off)")
    if sandbox != "off":
        box, why = find_sandbox(sandbox_limits)
        if box is None and sandbox == "on":
            return Grade(submission, events=[f"not graded: --sandbox on, and {why}"], sandbox=why)
    scratch = Path(tempfile.mkdtemp(prefix="grading-"))
    try:
        result = grade(submission, scratch / "kernel", limits, box)
    except Exception as error:  # a bug of the grader's: this row says so, the others go on
        result = Grade(submission, events=[f"not graded: the grader failed ({error!r})"])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result.sandbox = "bubblewrap" if box is not None else why.replace("no sandbox: ", "none: ")
    return result


def _listening(address: str) -> None:
    """Fail at once where nothing listens at a ``tcp://host:port`` address.

    Raises:
        OSError: naming the address, if a connection to it is refused or times out.
    """
    parts = urllib.parse.urlsplit(address)
    if parts.scheme != "tcp" or parts.hostname is None or parts.port is None:
        return  # another protocol, or no port: the client says what is wrong
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=5).close()
    except OSError as error:
        raise OSError(f"no Dask scheduler answers at {address}: {error}") from None


def grade_on_cluster(
    address: str,
    submissions: Sequence[Submission],
    limits: Limits,
    sandbox: str,
    sandbox_limits: SandboxLimits,
    done: Callable[[Grade], None] = lambda grade: None,
) -> list[Grade]:
    """Grade ``submissions`` on the Dask cluster at ``address``; call ``done`` with each grade
    as it arrives. Grades come back in any order.

    Raises:
        OSError: if nothing listens at ``address``, or the scheduler does not answer within
            ``CONNECT_TIMEOUT`` seconds.
        TimeoutError: if the cluster takes far longer than the limits allow (no workers?).
    """
    from distributed import Client, as_completed  # imported here: only a cluster needs it

    _listening(address)
    expected = lib_digest()
    # Each submission takes at most its notebook limit plus a kernel's start; a cluster that
    # has not finished in the time one worker would take, tries included, has no workers.
    bound = (limits.notebook + 120) * max(1, len(submissions)) * TRIES
    grades: list[Grade] = []
    with Client(address, timeout=CONNECT_TIMEOUT) as client:  # type: ignore[no-untyped-call]
        futures = {
            client.submit(
                grade_task,
                submission,
                limits,
                sandbox,
                sandbox_limits,
                expected,
                key=f"grade-{index}-{hashlib.sha256(submission.name.encode()).hexdigest()[:8]}",
                pure=False,
            ): submission
            for index, submission in enumerate(submissions)
        }
        try:
            for future in as_completed(futures, timeout=bound):  # type: ignore[no-untyped-call]
                submission = futures[future]
                try:
                    result = future.result(timeout=CONNECT_TIMEOUT)
                except Exception as error:  # KilledWorker, or the task lost with its worker
                    reason = f"not graded: the cluster lost it ({error!r})"
                    result = Grade(submission, events=[reason[:300]])
                grades.append(result)
                done(result)
        except TimeoutError:
            client.cancel(list(futures))
            message = f"the cluster at {address} did not grade within {bound:.0f} s"
            raise TimeoutError(message) from None
    return grades
