"""Chinese transcript text as space-separated words, for full-text search in any database.

Neither SQLite's FTS5 nor PostgreSQL's `simple` text-search configuration can split Chinese
into words, but both split on spaces. So the transcript is segmented here with jieba and stored
as words separated by spaces; a search query is segmented the same way and every word of it must
occur in the call.

The index uses jieba's search mode (a long word and the shorter words inside it, so 套餐 finds
流量套餐), the query uses the precise mode (its words are among the index's words for the same
text).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable

import jieba

# jieba logs its dictionary loading at INFO on the root logger's handlers; keep it quiet.
jieba.setLogLevel(logging.WARNING)


def _is_word(token: str) -> bool:
    """A token worth indexing: it has at least one letter or digit (no punctuation, spaces)."""
    return any(unicodedata.category(char)[0] in "LN" for char in token)


def _normalised(text: str) -> str:
    # Full-width letters and digits (ＶＩＰ, １０) become ASCII, Latin letters lower case.
    return unicodedata.normalize("NFKC", text).lower()


def index_tokens(texts: Iterable[str]) -> str:
    """The words of all these texts, space-separated, each word once, in first-seen order."""
    seen: dict[str, None] = {}
    for text in texts:
        for token in jieba.cut_for_search(_normalised(text)):
            word = token.strip()
            if _is_word(word):
                seen.setdefault(word, None)
    return " ".join(seen)


def query_tokens(query: str) -> list[str]:
    """The words a search for `query` requires, each once; empty for a query with no word."""
    seen: dict[str, None] = {}
    for token in jieba.cut(_normalised(query)):
        word = token.strip()
        if _is_word(word):
            seen.setdefault(word, None)
    return list(seen)
