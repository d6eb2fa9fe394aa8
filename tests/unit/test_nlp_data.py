"""The term lists in data/nlp: valid codes, no accidental overlaps, parseable."""
import pytest
import yaml

from bot import codes
from bot.nlp import terms

# Phrases deliberately listed under two labels; LABEL_PRIORITY picks the first.
ALLOWED_CONFLICTS = {
    "right away": {("ONSET", "sudden"), ("IGNORE", "ignore")},  # an onset, and no side
}


@pytest.mark.parametrize("path", sorted(terms.DATA_DIR.glob("*.yml")), ids=lambda p: p.name)
def test_data_files_are_valid_yaml(path):
    assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict)


class _NoDuplicateKeys(yaml.SafeLoader):
    """A loader that refuses a key said twice in one mapping (YAML keeps only the last)."""


def _mapping_without_duplicates(loader, node, deep=False):
    keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
    repeated = sorted({key for key in keys if keys.count(key) > 1}, key=str)
    if repeated:
        raise ValueError(f"line {node.start_mark.line + 1}: {repeated} said twice")
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_NoDuplicateKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


@pytest.mark.parametrize("path", sorted(terms.DATA_DIR.glob("*.yml")), ids=lambda p: p.name)
def test_data_files_say_each_key_once(path):
    # a second "night_pain:" under vetoed_by_entry would silently replace the first
    yaml.load(path.read_text(encoding="utf-8"), Loader=_NoDuplicateKeys)


def test_the_duplicate_key_check_can_fail():
    with pytest.raises(ValueError, match="said twice"):
        yaml.load("a: [1]\nb: 2\na: [3]\n", Loader=_NoDuplicateKeys)


def test_codes_in_data_are_contract_codes():
    terms.check_codes()  # raises on an unknown region, side, finding, gait or cause


def test_every_region_and_gait_code_has_phrases():
    assert set(terms.load("regions")["patterns"]) == set(codes.REGIONS)
    assert set(terms.load("gait")["patterns"]) == set(codes.GAITS)


def test_finding_ids_map_to_known_findings():
    for spec in terms.finding_specs().values():
        assert set(spec["findings"]) <= set(codes.FINDINGS)


def test_history_by_nature_list():
    assert terms.finding_rules()["history_by_nature"] == {
        "cancer_history", "prior_spine_surgery", "osteoporosis", "long_term_steroids", "diabetes", "knee_injury",
    }


def test_no_unexpected_phrase_conflicts():
    conflicts = {text: set(owners) for text, owners in terms.phrase_conflicts().items()}
    assert conflicts == ALLOWED_CONFLICTS


def test_context_phrases_are_in_one_group_only():
    assert terms.context_duplicates() == []


def test_saddle_alone_is_not_a_pattern():
    assert "saddle" not in terms.phrase_table()


def test_macro_expansion():
    assert terms.expand("{cant} walk", {"cant": ["can't", "unable to", ""]}) == ["can't walk", "unable to walk", "walk"]
    with pytest.raises(ValueError):
        terms.expand("{nope} walk", {})


def test_yaml_booleans_are_rejected():
    with pytest.raises(ValueError):
        terms.expand(False)  # an unquoted no/yes/off in YAML
