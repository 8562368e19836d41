"""lib.charts.alt: alt texts made from a figure's data, carried in its PNG and its metadata."""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib
from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.pylabtools import select_figure_formats
from matplotlib.figure import Figure

from lib.charts.alt import (
    alt_text,
    describe,
    install_formatter,
    png_description,
    with_description,
)
from lib.charts.common import (
    Run,
    new_figure,
    plot_outcomes,
    plot_speedup,
    plot_sweep,
    plot_timeline,
)
from lib.measure.recorder import Span


def png_of(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=20)
    return buffer.getvalue()


def descriptions(data: bytes) -> int:
    """How many Description text chunks the PNG holds."""
    return data.count(b"iTXtDescription\0") + data.count(b"tEXtDescription\0")


def test_generic_bars_name_each_tick_with_its_height_or_its_note() -> None:
    fig, ax = new_figure()
    bars = ax.bar([0, 1], [2.5, 0.75])
    ax.set_xticks([0, 1], ["alone", "two workers"])
    ax.annotate("0.75 s\n3.3×", (1, 0.75))
    ax.set_ylabel("wall-clock time (s)")
    ax.set_title("Work")
    assert bars.orientation == "vertical"
    text = alt_text(fig)
    assert text.startswith("A chart: Work.")
    assert "y axis: wall-clock time (s)" in text
    assert "alone: 2.50 s" in text
    assert "two workers: 0.75 s, 3.3×" in text


def test_generic_timeline_counts_bars_per_lane_and_the_span() -> None:
    fig, ax = new_figure()
    ax.barh([0, 0, 1], [1.0, 0.5, 2.0], left=[0.0, 1.0, 0.25])
    ax.set_yticks([0, 1], ["worker 1", "worker 2"])
    ax.set_xlabel("time (s)")
    text = alt_text(fig)
    assert "3 bars in 2 lanes (worker 1: 2; worker 2: 1)" in text
    assert "from 0.00 s to 2.25 s" in text


def test_generic_broken_barh_is_a_timeline_too() -> None:
    fig, ax = new_figure()
    ax.broken_barh([(0.0, 1.0), (2.0, 1.5)], (-0.3, 0.6))
    ax.set_yticks([0], ["lane"])
    assert "2 bars in 1 lanes (lane: 2), from 0 to 3.5" in alt_text(fig)


def test_generic_barh_from_zero_reads_as_values() -> None:
    fig, ax = new_figure()
    ax.barh([0, 1], [867.0, 9_961_472.0])
    ax.set_yticks([0, 1], ["task", "thread"])
    assert "task: 867; thread: 9,961,472" in alt_text(fig)


def test_generic_lines_give_their_label_range_and_end() -> None:
    fig, ax = new_figure()
    ax.plot([1, 2, 4], [1.2, 0.7, 0.4], label="measured")
    ax.plot([1, 2, 4], [1, 1, 1], label="flat")
    ax.plot([1, 4], [9, 9], label="_hidden")
    ax.set_ylabel("time (s)")
    text = alt_text(fig)
    assert "measured: from x = 1 to 4, y between 0.40 s and 1.20 s, ending at 0.40 s" in text
    assert "flat: 1.00 s" in text
    assert "hidden" not in text


def test_generic_empty_figure_and_a_diagram_of_words() -> None:
    assert alt_text(Figure()) == "An empty figure."
    fig, ax = new_figure()
    ax.text(0.5, 0.5, "CPU-bound?")
    assert "CPU-bound?" in alt_text(fig)


def test_describe_wins_over_the_generic_text_and_rejects_blank() -> None:
    fig, ax = new_figure()
    ax.bar([0], [1.0])
    assert describe(fig, "  one bar,\n 1 s  ") is fig
    assert alt_text(fig) == "one bar, 1 s"
    with pytest.raises(ValueError, match="must say something"):
        describe(fig, " ")


def test_common_helpers_describe_their_own_data() -> None:
    runs = [Run("alone", "sequential", 2.0), Run("2 processes", "processes", 0.8, 1.0)]
    text = alt_text(plot_speedup(runs, "CPU work"))
    assert "alone: 2.00 s, 1.0×; 2 processes: 0.80 s, 2.5×, 125% of ideal" in text
    assert "Ideal: 2 processes 1.00 s." in text
    spans = [Span("a", "x", 5.0, 5.5), Span("b", "y", 5.2, 6.25, ok=False), Span("c", "x", 5.5, 6)]
    text = alt_text(plot_timeline(spans, "Tasks", "threads", lane_name="thread"))
    assert "3 tasks on 2 threads (thread 1: 2; thread 2: 1), 1.25 s" in text
    assert "1 raised" in text
    one_lane = [Span(str(n), "x", n, n + 1) for n in range(3)]
    text = alt_text(plot_timeline(one_lane, "One", "sequential", lane_name="thread"))
    assert "a timeline of 3 tasks on 1 thread, 3.00 s" in text
    own_lanes = [Span(str(n), str(n), 0, 1) for n in range(4)]
    text = alt_text(plot_timeline(own_lanes, "Own", "asyncio", lane_name="task"))
    assert "a timeline of 4 tasks, one bar each, 1.00 s" in text
    even = [Span(str(n), str(n % 2), n, n + 1) for n in range(4)]
    text = alt_text(plot_timeline(even, "Even", "processes", lane_name="process"))
    assert "a timeline of 4 tasks on 2 processes, 2 each, 4.00 s" in text
    text = alt_text(
        plot_sweep([1, 2, 4], [3.0, 1.6, 0.9], "Sweep", "threads", ideal=[3, 1.5, 0.75])
    )
    assert "3.00 s with 1, 0.90 s with 4 (3.3× faster); at 4: ideal 0.75 s" in text
    text = alt_text(
        plot_outcomes({"racy": [7, 8, 8], "locked": [8, 8, 8]}, [7, 8], "Races", "n", 8)
    )
    assert "of 3 runs each; the correct one is 8. racy — 7: 1, 8: 2. locked — 8: 3." in text


def test_description_round_trip_in_utf8_replacing_the_old_one() -> None:
    fig, ax = new_figure()
    ax.bar([0], [1.0])
    data = png_of(fig)
    assert png_description(data) is None
    marked = with_description(with_description(data, "old"), "1.23 s, 4.9× — ideal")
    assert png_description(marked) == "1.23 s, 4.9× — ideal"
    assert descriptions(marked) == 1
    assert marked[12:16] == b"IHDR", "the header stays the first chunk"
    (length,) = struct.unpack(">I", marked[33:37])
    body = marked[41 : 41 + length]
    assert marked[37:41] == b"iTXt" and body.startswith(b"Description\0\0\0")
    assert struct.unpack(">I", marked[41 + length : 45 + length])[0] == zlib.crc32(b"iTXt" + body)
    from PIL import Image  # an independent reader agrees

    assert Image.open(io.BytesIO(marked)).text["Description"] == "1.23 s, 4.9× — ideal"


def test_a_latin1_text_chunk_is_read_and_bad_data_raises() -> None:
    fig, _ = new_figure()
    data = png_of(fig)
    body = b"Description\0caf\xe9"
    chunk = (
        struct.pack(">I", len(body))
        + b"tEXt"
        + body
        + struct.pack(">I", zlib.crc32(b"tEXt" + body))
    )
    assert png_description(data[:33] + chunk + data[33:]) == "café"
    with pytest.raises(ValueError, match="not a PNG"):
        png_description(b"GIF89a")
    with pytest.raises(ValueError, match="truncated"):
        png_description(data[:40])


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()


def test_outside_ipython_nothing_is_wrapped() -> None:
    InteractiveShell.clear_instance()
    assert install_formatter() is False


@pytest.mark.parametrize("formats", ["png", "retina"])
def test_the_shells_png_carries_the_alt_text_and_so_does_its_metadata(
    shell: InteractiveShell, formats: str
) -> None:
    select_figure_formats(shell, {formats})  # what %matplotlib inline does
    fig = plot_speedup([Run("alone", "sequential", 1.5), Run("2", "threads", 0.5)], "Demo")
    formatter = shell.display_formatter.formatters["image/png"]
    wrapped = formatter.lookup_by_type(Figure)
    assert install_formatter() and install_formatter()
    assert formatter.lookup_by_type(Figure) is wrapped, "wrapped once, never twice"
    data, metadata = shell.display_formatter.format(fig)
    png = data["image/png"]
    raw = base64.b64decode(png) if isinstance(png, str) else png
    assert png_description(raw) == alt_text(fig)
    assert descriptions(raw) == 1
    assert re.search(r"2: 0\.50 s, 3\.0×", metadata["image/png"]["alt"])
    if formats == "retina":
        assert {"width", "height"} <= set(metadata["image/png"]), "the formatter's own metadata"


def test_a_later_matplotlib_inline_is_wrapped_again(shell: InteractiveShell) -> None:
    select_figure_formats(shell, {"png"})
    fig, ax = new_figure()
    ax.bar([0], [4.0])
    select_figure_formats(shell, {"png"})  # replaces our wrapper
    describe(fig, "four")
    data, metadata = shell.display_formatter.format(fig)
    assert metadata["image/png"]["alt"] == "four"
    assert png_description(base64.b64decode(data["image/png"])) == "four"


def test_a_formatter_returning_bytes_gets_bytes_back(shell: InteractiveShell) -> None:
    fig, ax = new_figure()
    ax.bar([0], [4.0])
    shell.display_formatter.formatters["image/png"].for_type(Figure, png_of)
    describe(fig, "bytes")
    data, metadata = shell.display_formatter.format(fig)
    assert isinstance(data["image/png"], bytes)
    assert png_description(data["image/png"]) == metadata["image/png"]["alt"] == "bytes"


def test_a_helper_that_only_draws_still_gets_the_generic_text(shell: InteractiveShell) -> None:
    """The book's figures start in new_figure or new_panels, which wrap the formatter."""
    select_figure_formats(shell, {"png"})  # as the backend does when pyplot first draws
    fig, ax = new_figure()
    ax.bar([0], [2.0])
    _, metadata = shell.display_formatter.format(fig)
    assert metadata["image/png"]["alt"] == alt_text(fig) != ""


def test_generic_text_sizes_bytes_and_says_a_labelled_level_once() -> None:
    fig, ax = new_figure()
    ax.plot([1, 2, 4], [2_000, 9_923_129, 103_170_048], label="threads")
    ax.set_ylabel("memory (bytes, log)")
    assert "y between 2.0 KiB and 98.4 MiB, ending at 98.4 MiB" in alt_text(fig)
    fig, ax = new_figure()
    ax.plot([1, 4], [0.4, 0.4], label="ideal: 0.40 s")
    ax.set_ylabel("wall time (s)")
    text = alt_text(fig)
    assert "ideal: 0.40 s." in text
    assert "0.40 s: " not in text
