"""Chapter 15's code under test: opposite transfers deadlock, ordered ones do not."""

from __future__ import annotations

import threading

from lib.demos.under_test import Account, start_opposite_transfers, transfer_ordered


def test_opposite_transfers_hold_one_lock_each_and_wait_for_ever() -> None:
    a, b = Account(1, 100), Account(2, 100)
    threads = start_opposite_transfers(a, b)
    for thread in threads:
        thread.join(timeout=0.5)
    assert all(thread.is_alive() and thread.daemon for thread in threads)
    assert a.lock.locked() and b.lock.locked()
    assert (a.balance, b.balance) == (100, 100)  # neither transfer moved anything


def test_ordered_transfers_both_finish() -> None:
    a, b = Account(1, 100), Account(2, 100)
    threads = [
        threading.Thread(target=transfer_ordered, args=(a, b, 10)),
        threading.Thread(target=transfer_ordered, args=(b, a, 20)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert not any(thread.is_alive() for thread in threads)
    assert (a.balance, b.balance) == (110, 90)
