"""Test tooling, never shipped with lib: the leak checks (a pytest plugin) and the request
ledger that the fault tests share."""
