"""Keyword evidence from the citizen's description: a rule table supervisors can edit.

A rule maps a keyword or phrase in Bahasa Indonesia to a category code. Syntax, kept simple for
a supervisor's form:

* a plain word matches the whole word, case-insensitively, or the word with the suffix "-nya"
  ("sampahnya"); nothing else;
* a word ending in ``*`` is a stem that may carry prefixes and suffixes: ``genang*`` matches
  "genangan", "tergenang", "menggenangi";
* a phrase of several words matches when they appear in order with at most two other words
  between them: "lampu mati" matches "lampu jalan mati" but not "lampu di depan rumah kami mati"
  (four words between).

``keyword_scores`` returns, for each category with a matching rule, its share of the matched
rules' weights (the shares sum to 1; no match, empty dict). How the shares are combined with the
photo's evidence is ``cv.decision``'s job.

Known limits: no negation ("bukan banjir" still says banjir), no spelling correction.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cv.errors import KeywordRuleError

MAX_GAP = 2
STEM_MARK = "*"
SUFFIXES = ("nya",)
_WORD = re.compile(r"[a-z0-9]+")
_RULE_WORD = re.compile(r"^[a-z0-9]+\*?$")


def tokens(text: str) -> list[str]:
    """Lower-case ASCII words: accents dropped, punctuation and hyphens split words."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return _WORD.findall("".join(ch for ch in folded if not unicodedata.combining(ch)))


@dataclass(frozen=True)
class KeywordRule:
    phrase: str
    category: str
    weight: float = 1.0

    def __post_init__(self) -> None:
        words = self.phrase.casefold().split()
        if not words or not all(_RULE_WORD.match(w) for w in words):
            raise KeywordRuleError(self.phrase, "use letters and digits only; '*' may end a word to mark a stem")
        if not self.category.strip():
            raise KeywordRuleError(self.phrase, "has no category")
        if not self.weight > 0:
            raise KeywordRuleError(self.phrase, f"weight must be positive, got {self.weight}")

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.phrase.casefold().split())


def rules_from_table(table: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[KeywordRule, ...]:
    """Rules from ``{keyword: category}`` pairs, e.g. the keywords stored with each category."""
    pairs = table.items() if isinstance(table, Mapping) else table
    return tuple(KeywordRule(phrase, category) for phrase, category in pairs)


DEFAULT_RULES = rules_from_table(
    {
        "berlubang": "jalan-rusak",
        "lubang*": "jalan-rusak",
        "jalan rusak": "jalan-rusak",
        "aspal*": "jalan-rusak",
        "sampah*": "sampah-menumpuk",
        "banjir*": "banjir-genangan",
        "genang*": "banjir-genangan",
        "lampu mati": "lampu-jalan-mati",
        "lampu padam": "lampu-jalan-mati",
        "pju": "lampu-jalan-mati",
        "pohon tumbang": "pohon-tumbang",
        "pohon roboh": "pohon-tumbang",
        "tumbang": "pohon-tumbang",
    }
)


def word_matches(pattern: str, token: str) -> bool:
    if pattern.endswith(STEM_MARK):
        return pattern[:-1] in token
    return token == pattern or any(token == pattern + suffix for suffix in SUFFIXES)


def phrase_matches(words: Sequence[str], text_tokens: Sequence[str]) -> bool:
    """The words appear in order, with at most ``MAX_GAP`` other tokens between neighbours."""
    return any(_match_from(words, text_tokens, start) for start in range(len(text_tokens)))


def _match_from(words: Sequence[str], text_tokens: Sequence[str], start: int) -> bool:
    if not word_matches(words[0], text_tokens[start]):
        return False
    if len(words) == 1:
        return True
    window = range(start + 1, min(len(text_tokens), start + 2 + MAX_GAP))
    return any(_match_from(words[1:], text_tokens, i) for i in window)


def matching_rules(text: str, rules: Iterable[KeywordRule] = DEFAULT_RULES) -> list[KeywordRule]:
    """The rules whose phrase occurs in the text, for showing staff why."""
    text_tokens = tokens(text)
    return [rule for rule in rules if phrase_matches(rule.words, text_tokens)]


def keyword_scores(text: str, rules: Iterable[KeywordRule] = DEFAULT_RULES) -> dict[str, float]:
    """Each matched category's share of the matched rules' weight; empty when nothing matched."""
    totals: dict[str, float] = defaultdict(float)
    for rule in matching_rules(text, rules):
        totals[rule.category] += rule.weight
    grand = sum(totals.values())
    return {category: weight / grand for category, weight in sorted(totals.items())}
