"""Shared test harness: run a bin/ tool or a helper script, assert a one-sentence error, train a model.

Imported as `from harness import ...` (tests/conftest.py puts tests/ on sys.path).
"""
