"""Chapter 9's comparison table of threads, processes and asyncio, built from its measurements.

Chapter 9 measures each aspect of the article's table; :class:`Measured` holds those numbers,
:func:`comparison_rows` words them (one row per aspect, every cell citing a number) and
:func:`comparison_table` renders the rows as Markdown, ready for ``IPython.display.Markdown``.
Chapter 10 adds a fourth column, a Dask cluster: :class:`ClusterFigures` holds what it
measured, and :func:`cluster_table` words it, row by row under the same :data:`ASPECTS`.
:data:`REQUEST_IDS`, :data:`IN_FLIGHT` and :data:`REQUEST_LATENCY` are the I/O workload both
chapters send. :func:`markdown_table` renders any rows of strings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from lib.measure.units import format_bytes, format_duration

__all__ = [
    "ASPECTS",
    "CLUSTER",
    "IN_FLIGHT",
    "MODELS",
    "REQUEST_IDS",
    "REQUEST_LATENCY",
    "START_METHODS",
    "ClusterFigures",
    "Measured",
    "cluster_table",
    "comparison_rows",
    "comparison_table",
    "markdown_table",
]

#: The table's columns, in order.
MODELS = ("threads", "processes", "asyncio")
#: The fourth column's heading: chapter 10's cluster.
CLUSTER = "a cluster (Dask)"
#: The I/O workload's requests: the article's fifteen ids, plus 853.
REQUEST_IDS = (100, 200, 300, 400, 700, 628, 524, 377, 826, 451, 280, 395, 399, 124, 626, 853)
#: Requests in flight at once, for every concurrent model.
IN_FLIGHT = 8
#: Seconds each request waits on the local API, like a quick round trip over the internet.
REQUEST_LATENCY = 0.1
#: The table's rows, in order: what each compares.
ASPECTS = (
    "I/O: requests that wait (one run)",
    "CPU: computing (one run)",
    "GIL and execution model",
    "start-up, per unit",
    "memory, per unit",
    "how many at once before starting them costs more than one wait",
    "shared state: updates lost by concurrent withdrawals",
    "responsiveness: heartbeat late by up to",
    "a job raises an exception",
)
#: multiprocessing's start methods, in the order the table lists them.
START_METHODS = ("fork", "forkserver", "spawn")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table: a header row, then rows of cells, all strings; ``|`` is escaped.

    Raises:
        ValueError: if the header is empty or a row has a different number of cells.
    """
    if not header:
        raise ValueError("a table needs at least one column")
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"{len(header)} columns, but a row has {len(row)} cells: {row!r}")

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(header), "|" + " --- |" * len(header), *(line(row) for row in rows)])


@dataclass(frozen=True)
class ClusterFigures:
    """What chapter 10 measured of a Dask cluster (a scheduler and worker processes on TCP).

    - ``io``, ``cpu``: (speed-up over sequential, share of the ideal) of chapter 9's I/O
      workload and of ``cpu_tasks`` CPU tasks (``None``: chapter 9's), through the cluster;
    - ``workers``, ``threads``: worker processes, and threads in each for the CPU run;
      ``io_threads``: threads in each for the I/O run, where it used more (else ``None``);
    - ``sent``: bytes serialised to send one request's task to a worker;
    - ``start``: seconds to start the scheduler and the workers, until all were ready;
    - ``memory``: unique bytes of one worker process;
    - ``late``: the heartbeat's worst lateness while the CPU work ran on the cluster;
    - ``crash``: the exception each future gave in the batch where one job raised, ``None``
      for a result; ``killed``: the same for a batch during which a worker was killed
      (``None``: not measured).
    """

    io: tuple[float, float]
    cpu: tuple[float, float]
    workers: int
    threads: int
    sent: int
    start: float
    memory: float
    late: float
    crash: Sequence[str | None]
    io_threads: int | None = None
    cpu_tasks: int | None = None
    killed: Sequence[str | None] | None = None


@dataclass(frozen=True)
class Measured:
    """What chapter 9 measured, for :func:`comparison_rows`. Times in seconds, sizes in bytes.

    - ``io``, ``cpu``: per model, (speed-up over sequential, share of the ideal) in one run
      of ``io_requests`` requests and ``cpu_tasks`` CPU tasks, on ``cores`` usable cores;
    - ``gil_overlap``: (seconds two CPU-bound threads ran Python at once, seconds they ran),
      and ``free_threaded``: whether this build runs threads without the GIL;
    - ``pickled``: bytes a process pool pickles to send one call;
    - ``limits``: for threads and asyncio, wait (s) -> the last count still worth it (a
      count of 0: not even one); ``process_limit`` likewise for the pool sizes;
    - ``start``: seconds to start one thread (``"threads"``), one task (``"asyncio"``) and
      one process per start method (``"fork"``, ``"forkserver"``, ``"spawn"``);
    - ``memory``: bytes per thread (``"threads"``: resident, ``"threads reserved"``: address
      space), per task (``"asyncio"``: resident) and unique per process, per start method;
    - ``lost``: for threads and asyncio, (updates lost without a lock, updates lost with
      one, updates made) by concurrent withdrawals from one balance;
    - ``late``: the heartbeat's worst lateness, for ``"cpu in loop"``, ``"cpu in processes"``,
      ``"blocking in loop"`` and ``"blocking in threads"``;
    - ``crash``: per model, the exception each future (or task) gave in a batch where one job
      raised, ``None`` for a result; ``"killed process"``: the same when a worker died.
    """

    io: Mapping[str, tuple[float, float]]
    cpu: Mapping[str, tuple[float, float]]
    io_requests: int
    cpu_tasks: int
    cores: int
    gil_overlap: tuple[float, float]
    free_threaded: bool
    pickled: int
    limits: Mapping[str, Mapping[float, int]]
    process_limit: int
    start: Mapping[str, float]
    memory: Mapping[str, float]
    lost: Mapping[str, tuple[int, int, int]]
    late: Mapping[str, float]
    crash: Mapping[str, Sequence[str | None]]


def _overlap(figures: tuple[float, float]) -> str:
    return f"{figures[0]:.1f}×, {figures[1]:.0%} of ideal"


def _methods(values: Mapping[str, float], render: Callable[[float], str]) -> str:
    """'5.7 ms (fork), 24.1 ms (spawn)' for every start method measured, in a fixed order."""
    order = [method for method in START_METHODS if method in values]
    return ", ".join(f"{render(values[method])} ({method})" for method in order)


def _limits(by_wait: Mapping[float, int], unit: str) -> str:
    """'400 threads for 50 ms waits; 800 threads for 100 ms waits' (no thousands separator)."""
    return "; ".join(
        f"{count} {unit} for {wait * 1e3:.0f} ms waits" for wait, count in sorted(by_wait.items())
    )


def _crash(outcomes: Sequence[str | None]) -> str:
    """'ValueError from 1 of 4, 3 results': what a batch's futures gave."""
    errors = [name for name in outcomes if name is not None]
    kinds = ", ".join(sorted(set(errors))) or "no error"
    results = len(outcomes) - len(errors)
    return f"{kinds} from {len(errors)} of {len(outcomes)}, {results} results"


def _check(measured: Measured) -> None:
    needed = {
        "io": MODELS,
        "cpu": MODELS,
        "limits": ("threads", "asyncio"),
        "start": ("threads", "asyncio"),
        "memory": ("threads", "threads reserved", "asyncio"),
        "lost": ("threads", "asyncio"),
        "late": ("cpu in loop", "cpu in processes", "blocking in loop", "blocking in threads"),
        "crash": (*MODELS, "killed process"),
    }
    for field, keys in needed.items():
        missing = [key for key in keys if key not in getattr(measured, field)]
        if missing:
            raise ValueError(f"Measured.{field} lacks {', '.join(missing)}")
    if not any(m in measured.start and m in measured.memory for m in START_METHODS):
        raise ValueError("need the start-up time and memory of at least one start method")


def comparison_rows(measured: Measured) -> list[list[str]]:
    """The table's rows: an aspect of :data:`ASPECTS`, then one cell per model of :data:`MODELS`.

    Raises:
        ValueError: if a mapping of ``measured`` lacks a key a row needs.
    """
    _check(measured)
    m = measured
    ran_at_once, ran = m.gil_overlap
    threads = "OS threads in one process" + (", no GIL" if m.free_threaded else ", one GIL")
    turns = "without the GIL" if m.free_threaded else "one thread at a time under the GIL"
    own = "an interpreter each" if m.free_threaded else "an interpreter and a GIL each"
    late = {key: format_duration(value) for key, value in m.late.items()}
    methods = {key: value for key, value in m.start.items() if key in START_METHODS}
    unique = {key: value for key, value in m.memory.items() if key in methods}
    return [
        [ASPECTS[0],
         f"{m.io_requests} requests: {_overlap(m.io['threads'])}",
         f"{_overlap(m.io['processes'])}, start-up included",
         f"{_overlap(m.io['asyncio'])}, in one thread"],
        [ASPECTS[1],
         f"{m.cpu_tasks} tasks, {turns}: {_overlap(m.cpu['threads'])}",
         f"one per core ({m.cores} usable cores): {_overlap(m.cpu['processes'])}",
         f"one at a time in the loop: {_overlap(m.cpu['asyncio'])}"],
        [ASPECTS[2],
         f"{threads}: two CPU-bound threads ran Python at once for "
         f"{format_duration(ran_at_once)} of {format_duration(ran)}",
         f"{own}; every call pickled ({m.pickled:,} bytes for one "
         "request)",
         f"one thread, one task at a time: a computing coroutine kept a heartbeat waiting "
         f"{late['cpu in loop']}"],
        [ASPECTS[3],
         format_duration(m.start["threads"]),
         _methods(methods, format_duration),
         format_duration(m.start["asyncio"])],
        [ASPECTS[4],
         f"{format_bytes(m.memory['threads'])} resident, "
         f"{format_bytes(m.memory['threads reserved'])} of address space",
         f"unique: {_methods(unique, format_bytes)}",
         f"{format_bytes(m.memory['asyncio'])} resident"],
        [ASPECTS[5],
         _limits(m.limits["threads"], "threads"),
         f"{m.process_limit} process{'es' if m.process_limit != 1 else ''} for CPU work, "
         f"with {m.cores} usable cores",
         _limits(m.limits["asyncio"], "asyncio tasks")],
        [ASPECTS[6],
         f"{m.lost['threads'][0]} of {m.lost['threads'][2]} without a lock, "
         f"{m.lost['threads'][1]} with one",
         "none shared: each worker gets pickled copies",
         f"{m.lost['asyncio'][0]} of {m.lost['asyncio'][2]} with an await between read and "
         f"write, {m.lost['asyncio'][1]} with an asyncio.Lock"],
        [ASPECTS[7],
         f"{late['blocking in threads']} with blocking calls on threads",
         f"{late['cpu in processes']} with the CPU work in processes",
         f"{late['cpu in loop']} (CPU) and {late['blocking in loop']} (blocking calls) "
         "with the work in the loop"],
        [ASPECTS[8],
         f"future.result() re-raises it: {_crash(m.crash['threads'])}",
         f"pickled back, re-raised: {_crash(m.crash['processes'])}; a killed worker: "
         f"{_crash(m.crash['killed process'])}",
         f"await re-raises it: {_crash(m.crash['asyncio'])}"],
    ]  # fmt: skip


def _cluster_cells(c: ClusterFigures) -> list[str]:
    """The fourth column, one cell per aspect of :data:`ASPECTS`, in the same order."""
    slots = c.workers * c.threads
    wide = f" ({c.workers} workers × {c.io_threads} threads)" if c.io_threads else ""
    tasks = f"{c.cpu_tasks} tasks, " if c.cpu_tasks else ""
    killed = "a killed worker's tasks run again elsewhere"
    if c.killed is not None:
        killed = f"a killed worker's tasks ran again elsewhere: {_crash(c.killed)}"
    return [
        f"{_overlap(c.io)}, each request a task sent over TCP{wide}",
        f"{tasks}{c.workers} worker processes, one thread each: {_overlap(c.cpu)}"
        if c.threads == 1
        else f"{tasks}{c.workers} workers × {c.threads} threads: {_overlap(c.cpu)}",
        f"a scheduler and worker processes on TCP; every task serialised ({c.sent:,} bytes "
        "for one request)",
        f"{format_duration(c.start)} for a scheduler and {c.workers} workers, once",
        f"{format_bytes(c.memory)} unique, per worker process",
        f"{slots} worker threads for CPU work here ({c.workers} × {c.threads}); each machine "
        "added adds its cores",
        "none shared, not even a machine: inputs and results serialised",
        f"{format_duration(c.late)} with the CPU work on the cluster",
        f"the future re-raises it: {_crash(c.crash)}; {killed}",
    ]


def comparison_table(measured: Measured) -> str:
    """Chapter 9's table as Markdown: :func:`comparison_rows` under a header.

    Raises:
        ValueError: as :func:`comparison_rows`.
    """
    return markdown_table(["aspect", *MODELS], comparison_rows(measured))


def cluster_table(cluster: ClusterFigures) -> str:
    """Chapter 10's fourth column as Markdown: each aspect of chapter 9's table, and the
    cluster's cell for it. Raises nothing: every figure has a value or a stated default."""
    rows = [[aspect, cell] for aspect, cell in zip(ASPECTS, _cluster_cells(cluster), strict=True)]
    return markdown_table(["aspect", CLUSTER], rows)
