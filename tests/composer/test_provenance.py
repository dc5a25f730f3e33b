"""The provenance table decides what the shipped model may learn from."""

from __future__ import annotations

import pytest

from engine.composer import provenance


def test_default_collections_are_the_unrestricted_ones():
    assert provenance.DEFAULT_COLLECTIONS == ("oneills1850", "ryansMammoth", "airdsAirs", "dcml_chorales")
    assert "chorales" in provenance.RESTRICTED_COLLECTIONS and "essenFolksong" in provenance.RESTRICTED_COLLECTIONS
    assert "Greentree" in provenance.provenance_of("chorales").encoder
    assert provenance.provenance_of("dcml_chorales").licence.startswith("CC0")


def test_an_unknown_collection_is_named():
    with pytest.raises(ValueError, match="'bogus'"):
        provenance.provenance_of("bogus")
    assert set(provenance.licence_table(["airdsAirs"])["airdsAirs"]) >= {"licence", "encoder", "default_model"}
