"""Evaluation of the assistant against the gold set (metric definitions: ../shared/README.md)."""
