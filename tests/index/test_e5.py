"""The e5 embedder loads offline from its wheel and uses the query/passage asymmetry."""

from __future__ import annotations

import numpy as np
import pytest

from index.embeddings import E5Embedder


@pytest.mark.model
def test_e5_ranks_the_answering_passage_first() -> None:
    e = E5Embedder()
    passages = e.embed_matrix(["贫困人口住院合规费用自付比不超过10%", "村里修了一条水泥路"])
    assert passages.shape == (2, 384)
    q = e.embed_query_vector("贫困户住院自己要付多少钱")
    assert q.shape == (384,)
    assert float(passages[0] @ q) > float(passages[1] @ q)
    # asymmetric prefixes: the same text embeds differently as a query and as a passage
    text = "贫困人口住院合规费用自付比不超过10%"
    assert not np.allclose(e.embed_query_vector(text), e.embed_matrix([text])[0])
