"""Checkers for the exercises at the end of each chapter, one module per chapter.

Each ``check_*`` function takes the learner's answer and returns a
:class:`lib.checking.Feedback`, which prints one line per case with a hint for each failure.
"""
