"""The folding and number rules of the metrics: the very ones the assistant's grounding check uses."""

from assistant.numbers import extract_numbers, fold, iter_numbers, ungrounded_numbers

__all__ = ["extract_numbers", "fold", "iter_numbers", "ungrounded_numbers"]
