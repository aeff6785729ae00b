"""SUPPORTED.md is generated from the dispatch table and committed up to date."""

from mock_gigya import api, supported


def test_committed_supported_md_is_up_to_date():
    assert supported.TARGET.read_text(encoding="utf-8") == supported.render(), (
        "run: python -m mock_gigya.supported"
    )


def test_every_dispatched_method_is_listed():
    text = supported.render()
    for name in api.DISPATCH:
        assert f"`{name}`" in text
    assert "Decisions on inferred or open facts" in text
