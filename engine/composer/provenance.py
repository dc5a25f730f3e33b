"""Where every encoding in the corpus comes from, under which terms, and which ones the default model may use.

One row per collection (``PROVENANCE``): the printed or manuscript source, who encoded
it, what the encoding itself says about rights (audited from the files in music21
10.5.1's ``corpus/`` folder and from the DCML repository's README), and a decision,
``default_model``: whether the shipped model may learn from it. The rule: the
composition must be in the public domain AND the encoding must carry no restriction
on commercial use (an explicit free licence such as CC0, or no rights claim at all in
a file distributed by its encoders' permission). The corpus file records each tune's
collection and this table's row; the model card repeats the table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Provenance:
    """The audited origin and terms of one collection's encodings."""

    collection: str
    source: str
    encoder: str
    encoding_notice: str
    licence: str
    default_model: bool
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


_MUSIC21_NOTICE = ("music21 corpus/license.txt: encodings distributed 'with the permission of the encoders'; 'some encodings "
                   "may not be used for commercial uses or have other restrictions: please see the licenses embedded in "
                   "individual compositions or directories'")

PROVENANCE: dict[str, Provenance] = {p.collection: p for p in (
    Provenance(
        "oneills1850", "Francis O'Neill, O'Neill's Music of Ireland (Chicago, 1903; the '1850 melodies')",
        "ABC transcriptions credited per tune in Z: fields (Norbert Paap, Henrik Norbeck, Bob Safranek, Trish O'Neil, "
        "John Chambers, Dan G. Petersen, Michael Hogan, Stephen Foy, John B. Walsh and others)",
        _MUSIC21_NOTICE + "; no licence or rights statement in any file of the directory (no %-comment, Z: or N: field claims rights)",
        "public-domain compositions; transcriptions with no stated restriction, distributed with music21 by the encoders' permission",
        True, "public-domain tunes; faithful transcriptions of a public-domain print; no restriction stated by any encoder"),
    Provenance(
        "ryansMammoth", "William Bradbury Ryan, Ryan's Mammoth Collection (Boston, 1883)",
        "ABC transcriptions credited per tune in Z:/S: fields (Ray Davies, John Chambers, Bob Puckette, John B. Walsh, "
        "Ivan Bradley, Bob Safranek and others)",
        _MUSIC21_NOTICE + "; no licence or rights statement in any of the 1,059 files",
        "public-domain compositions; transcriptions with no stated restriction, distributed with music21 by the encoders' permission",
        True, "public-domain tunes; faithful transcriptions of a public-domain print; no restriction stated by any encoder"),
    Provenance(
        "airdsAirs", "James Aird, A Selection of Scotch, English, Irish and Foreign Airs (Glasgow, 1778-1803), books 1-6",
        "Jack Campin (every tune: 'Z:Jack Campin * www.campin.me.uk * 2009')",
        _MUSIC21_NOTICE + "; the files credit the transcriber and state no licence or restriction",
        "public-domain compositions; transcriptions with no stated restriction, distributed with music21 by the encoder's permission",
        True, "public-domain tunes; faithful transcriptions of a public-domain print; no restriction stated by the encoder"),
    Provenance(
        "chorales", "J. S. Bach, four-part chorales (music21 corpus.chorales.Iterator, bach/*.mxl)",
        "361 of the 408 bach/*.mxl files credit 'PDF (c) 2004 Margaret Greentree (- used by permission)' (www.jsbchorales.net); "
        "the rest carry no credit",
        _MUSIC21_NOTICE + "; the Greentree credit is a copyright notice on the encoding, used by permission (of music21), and "
        "that encoder's site is reported to reserve commercial rights",
        "public-domain compositions; encodings (c) Margaret Greentree, used by permission - commercial use not granted",
        False, "the encodings claim copyright and grant no commercial use; replaced by the CC0 DCML chorales"),
    Provenance(
        "dcml_chorales", "J. S. Bach, 371 four-part chorales (Riemenschneider numbering), DCMLab/bach_chorales v2.0 (361 chorales)",
        "Ulrich Kaiser (Capella engraving, CD-ROM of 'Der vierstimmige Satz', Baerenreiter 2002), converted to MuseScore "
        "and extracted by the DCML (ms3 2.2.1)",
        "DCMLab/bach_chorales README: 'CC0 1.0 Universal'; it warns that the conversion 'has resulted in many incorrect "
        "accidentals' (repaired or dropped on import: models/corpus/PROVENANCE.md)",
        "CC0-1.0 (public-domain dedication of the encoding); public-domain compositions",
        True, "CC0 encoding of public-domain music; committed under models/corpus/ with its provenance file"),
    Provenance(
        "essenFolksong", "Essen Folksong Collection (EsAC; Helmut Schaffrath, Ewa Dahlig-Turek), ABC by Seymour Shlien",
        "many encoders under Schaffrath's supervision; ABC conversion by Seymour Shlien",
        "music21 corpus/essenFolksong/license.txt: 'legal status ... unclear'; permission 'for non-commercial distribution and use'",
        "non-commercial use only",
        False, "non-commercial only: never in the shipped model (`moodscore train` refuses to export it into models/)"),
    Provenance(
        "midi", "the user's own MIDI files (`corpus build --midi DIR`)", "the user", "none read",
        "the user's responsibility", False, "not bundled; a model trained on it is the user's own"),
)}

DEFAULT_COLLECTIONS = tuple(name for name, row in PROVENANCE.items() if row.default_model)
"""Collections the shipped model is trained on: oneills1850, ryansMammoth, airdsAirs, dcml_chorales."""

MUSIC21_COLLECTIONS = ("oneills1850", "ryansMammoth", "airdsAirs", "chorales", "essenFolksong")
"""Collections parsed from music21's bundled corpus (the others are committed data or the user's)."""

NONCOMMERCIAL_COLLECTIONS = ("essenFolksong",)
RESTRICTED_COLLECTIONS = tuple(name for name, row in PROVENANCE.items() if not row.default_model and name != "midi")


def provenance_of(collection: str) -> Provenance:
    """The row of ``collection``; ValueError naming the known ones for anything else."""
    if collection not in PROVENANCE:
        raise ValueError(f"collection {collection!r} has no provenance entry (known: {', '.join(PROVENANCE)})")
    return PROVENANCE[collection]


def licence_table(collections) -> dict[str, dict]:
    """{collection: provenance row as a dict} for the collections of a corpus, for its meta and the model card."""
    return {name: provenance_of(name).to_dict() for name in collections}
