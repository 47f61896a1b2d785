"""Keyword evidence from the citizen's description, with a rule table supervisors edit."""

from __future__ import annotations

import pytest

from cv.errors import KeywordRuleError
from cv.keywords import KeywordRule, keyword_scores, matching_rules, rules_from_table, tokens


@pytest.mark.parametrize(
    ("text", "scores"),
    [
        ("Jalan BERLUBANG besar di depan SD Inpres Oesapa", {"jalan-rusak": 1.0}),
        ("Ada lubang yang dalam, motor jatuh", {"jalan-rusak": 1.0}),
        ("Sampahnya sudah seminggu tidak diangkut", {"sampah-menumpuk": 1.0}),
        ("Air tergenang setinggi lutut setelah hujan", {"banjir-genangan": 1.0}),
        ("Genangan di perempatan Jl. Timor Raya", {"banjir-genangan": 1.0}),
        ("Kebanjiran lagi!", {"banjir-genangan": 1.0}),
        ("Lampu jalan mati sejak Senin", {"lampu-jalan-mati": 1.0}),
        ("PJU di gang kami padam", {"lampu-jalan-mati": 1.0}),
        ("Pohon besar tumbang menutup jalan", {"pohon-tumbang": 1.0}),
        ("Sampah menyumbat got, jadi banjir", {"sampah-menumpuk": 0.5, "banjir-genangan": 0.5}),
        ("Mohon dibantu, terima kasih", {}),
        ("", {}),
    ],
)
def test_it_scores_the_categories_a_description_names(text: str, scores: dict[str, float]) -> None:
    assert keyword_scores(text) == pytest.approx(scores)


def test_a_phrase_allows_at_most_two_words_between_its_words() -> None:
    rules = rules_from_table({"lampu mati": "lampu-jalan-mati"})
    assert keyword_scores("lampu di gang mati", rules) == {"lampu-jalan-mati": 1.0}
    assert keyword_scores("lampu di depan rumah kami mati", rules) == {}
    assert keyword_scores("mati lampu", rules) == {}  # order matters


def test_a_plain_word_matches_itself_and_its_nya_form_only() -> None:
    rules = rules_from_table({"aspal": "jalan-rusak"})
    assert keyword_scores("aspalnya mengelupas", rules) == {"jalan-rusak": 1.0}
    assert keyword_scores("pengaspalan belum selesai", rules) == {}


def test_a_stem_matches_with_prefixes_and_suffixes() -> None:
    rules = rules_from_table({"aspal*": "jalan-rusak"})
    assert keyword_scores("pengaspalan belum selesai", rules) == {"jalan-rusak": 1.0}


def test_weights_set_each_categorys_share() -> None:
    rules = (KeywordRule("banjir", "banjir-genangan", 3.0), KeywordRule("sampah", "sampah-menumpuk", 1.0))
    shares = keyword_scores("sampah dan banjir", rules)
    assert shares == pytest.approx({"banjir-genangan": 0.75, "sampah-menumpuk": 0.25})


def test_the_matched_rules_are_listed_to_show_staff_why() -> None:
    matched = matching_rules("Jalan rusak dan berlubang")
    assert {r.phrase for r in matched} == {"berlubang", "lubang*", "jalan rusak"}


def test_text_is_folded_to_plain_lower_case_words() -> None:
    assert tokens("Pohon-pohon TUMBANG, café!") == ["pohon", "pohon", "tumbang", "cafe"]


@pytest.mark.parametrize(
    ("phrase", "category", "weight", "problem"),
    [
        ("", "jalan-rusak", 1.0, "letters and digits only"),
        ("lampu/mati", "lampu-jalan-mati", 1.0, "letters and digits only"),
        ("*aspal", "jalan-rusak", 1.0, "letters and digits only"),
        ("banjir", " ", 1.0, "has no category"),
        ("banjir", "banjir-genangan", 0.0, "weight must be positive"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_keyword(phrase: str, category: str, weight: float, problem: str) -> None:
    with pytest.raises(KeywordRuleError, match=problem) as caught:
        KeywordRule(phrase, category, weight)
    assert repr(phrase) in str(caught.value)
