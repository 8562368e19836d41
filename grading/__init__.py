"""For teachers: grade a class's submitted chapter notebooks with the book's own checks.

``python -m grading SUBMISSIONS [--out DIR] [--chapters DIR] [--format canvas|moodle]
[--student-id REGEX]`` (or ``make grade SUBMISSIONS=folder``) runs each submission in a fresh
kernel, checks each exercise with ``lib.exercises``, and writes ``grades.csv``, a feedback page
per submission and, with ``--format``, a gradebook Canvas or Moodle imports.

A teacher's tool, beside ``lib`` and not part of it: neither the helpers' wheel, the student
edition nor the runnable book's zip holds it, and what it needs beyond ``lib``'s dependencies
is pyproject.toml's extra ``grading``. One module a job:

- ``chapters``: what grading trusts from the book's own chapters: imports, exercises, checks
- ``submissions``: find the submitted notebooks, and say which chapter each is (or why not)
- ``pristine``: the book's ``lib`` as grading found it, copied for each kernel and compared after
- ``sandbox``: bubblewrap around each kernel: no network, a read-only system, limits
- ``cluster``: each submission a task on a Dask cluster, graded in the worker's own sandbox
- ``kernel``: run code in a fresh kernel in a scratch folder, each cell under a time limit,
  and kill everything it started
- ``probe``: the grader's side inside that kernel, sent as source (never imported from the
  kernel's path, where a student's files come first): fingerprints of ``lib``, the book's checks
- ``checks``: grade one submission: its cells, the checks between them, tampering flagged
- ``gradebook``: ``grades.csv``, a row per submission and a column per exercise
- ``students``: the student identifier in a submission's file name (``--student-id``)
- ``lms``: the gradebooks Canvas and Moodle import (``--format``), a row per student
- ``feedback``: a Markdown page per submission with each check's result and hint
- ``__main__``: the command line, in parallel on the usable cores, with a progress bar
"""

__all__: list[str] = []
