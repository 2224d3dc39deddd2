"""An article's text joined to a paragraph's headings answers `in` exactly as the concatenation would."""

from __future__ import annotations

import random

from assistant.reader import Joined


def test_substring_tests_match_the_concatenated_string() -> None:
    rng = random.Random(3)
    alphabet = "医保报销比例住院门诊"
    for _ in range(3000):
        head = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        tail = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        whole = head + tail
        probes = {whole[i:j] for i in range(len(whole)) for j in range(i, min(len(whole), i + 5) + 1)}
        probes |= {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(5)}
        joined = Joined(head, tail)
        for t in probes:
            assert (t in joined) == (t in whole), (head, tail, t)


def test_a_term_spanning_the_join_is_found() -> None:
    assert "报销比例" in Joined("门诊报销", "比例提高")
    assert "销比" in Joined("报销", "比例")
    assert "住院" not in Joined("门诊报销", "比例")
