"""Enrichment: typed entities, surnames, places to countries, keywords, the verified model, the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipelines.enrich import Document, enrich_documents
from pipelines.enrich.model import ModelError, installed_model_dir, load_ner, verify_model
from pipelines.enrich.places import resolve_places
from storyline.cli import main

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

PAGE = """Flood barriers fail in Lyon as river rises

Police chief Maria Castellane said on Tuesday that the river had broken through temporary barriers overnight in Lyon, forcing the evacuation of two schools. Castellane told reporters that more rain was expected in August.
The mayor, Grégory Doucet, asked the European Commission for emergency funds. Doucet said the city had not seen such water since 1840. Officials in Geneva, Switzerland, were watching the lake upstream, and the Red Cross sent teams from Marseille.
"""


def _entities(text: str) -> dict[str, object]:
    (result,) = enrich_documents([Document("page", "", text)], workers=1)
    return result, {entity.name: entity for entity in result.entities}


def test_a_page_gives_people_organisations_and_places_in_countries() -> None:
    result, found = _entities(PAGE)
    assert found["Grégory Doucet"].type == "person"
    assert found["Grégory Doucet"].mentions == 2 and "Doucet" in found["Grégory Doucet"].surface_forms
    assert found["European Commission"].type == "organisation"
    assert found["Red Cross"].type == "organisation"
    assert (found["Lyon"].type, found["Lyon"].country) == ("place", "FR")
    assert (found["Geneva"].country, found["Switzerland"].country) == ("CH", "CH")
    assert found["Marseille"].country == "FR"
    assert not {"Tuesday", "August"} & set(found), "weekdays and months are not entities"
    assert all(len(name) > 1 and name[0].isupper() for name in found)
    assert result.language == "en" and "ner" in result.applied
    words = {w for k in result.keywords for w in k.phrase.casefold().split()}
    assert result.keywords and not {"doucet", "grégory"} & words, "keywords do not repeat people"


def test_a_bare_surname_is_the_full_name_and_titles_are_not_part_of_it() -> None:
    _, found = _entities(
        "Prime Minister Keir Starmer met Chancellor Olaf Scholz in Berlin on Monday. "
        "Starmer said the talks were useful. Later, Scholz flew home and STARMER returned to London."
    )
    assert found["Keir Starmer"].type == "person"
    assert found["Keir Starmer"].mentions == 3
    assert {"Starmer", "STARMER"} <= set(found["Keir Starmer"].surface_forms)
    assert "Starmer" not in found and "Prime Minister Keir Starmer" not in found
    assert found["Olaf Scholz"].mentions == 2
    _, found = _entities(
        "Sarah Palin spoke at the church on Sunday. Palin's church burned a week later, and "
        "Palin said she would rebuild it."
    )
    assert found["Sarah Palin"].mentions == 3, "a surname that is also a small town is the person"
    assert "Palin" not in found
    _, found = _entities(
        "The Boston Red Sox made Mark Teixeira an offer. The Sox have the highest offer, "
        "and Sox officials met him twice."
    )
    assert found["Boston Red Sox"].mentions == 3, "a team's last word is the team"
    assert "Sox" not in found, "not a town whose airport code is SOX"


def test_a_namesake_place_is_chosen_by_the_articles_other_places() -> None:
    assert resolve_places(["Paris"])["Paris"].country == "FR"
    assert resolve_places(["Paris", "Texas"])["Paris"].country == "US"
    # Two Slavyansks: the Ukrainian city is larger, the Krasnodar region's one is named beside it.
    assert resolve_places(["Slavyansk"])["Slavyansk"].country == "UA"
    assert resolve_places(["Slavyansk", "Krasnodar region"])["Slavyansk"].country == "RU"
    assert resolve_places(["U.S.", "UAE", "UK"]) == {
        "U.S.": resolve_places(["United States"])["United States"],
        "UAE": resolve_places(["United Arab Emirates"])["United Arab Emirates"],
        "UK": resolve_places(["United Kingdom"])["United Kingdom"],
    }
    crimea = resolve_places(["Crimea"])["Crimea"]
    assert (crimea.country, crimea.disputed) == ("UA", True)


def test_state_abbreviations_are_states_and_acronyms_are_not_towns() -> None:
    result, found = _entities(
        "Grain barge sinks near Memphis\n\nThe barge sank near Memphis, Tenn., and its crew swam "
        "to a bank in Ark., the Coast Guard said. The captain, arrested on suspicion of DUI, was "
        "questioned by the FBI. We spoke to CBS reporters in Memphis. The crew is from NYC."
    )
    assert (found["Tennessee"].type, found["Tennessee"].country) == ("place", "US")
    assert found["Arkansas"].country == "US"
    # GeoNames also calls Duisburg "DUI" and Cabimas "CBS" (codes), not what news means.
    for acronym in ("DUI", "FBI", "CBS"):
        assert acronym not in found or found[acronym].country is None, found.get(acronym)
    assert found["NYC"].country == "US", "a city news does call by its initials"
    assert resolve_places(["D.C."])["D.C."].country == "US", "initials with full stops are not a code"
    assert "We" not in found and "The" not in found
    assert resolve_places(["ROME"])["ROME"] is None
    asia = resolve_places(["Asia"])["Asia"]
    assert (asia.kind, asia.country) == ("region", None), "a continent, not a town named Asia"
    assert resolve_places(["Rome"])["Rome"].country == "IT"


def test_a_tampered_model_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(installed_model_dir(), copy)
    assert verify_model(copy).version == "3.8.0"
    with (copy / "ner" / "model").open("r+b") as handle:
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError, match=r"ner/model: sha256 .* differs from the published"):
        load_ner(copy)


def test_other_languages_get_places_and_keywords_without_ner() -> None:
    (result,) = enrich_documents([Document("de", "Gespräche in Abu Dhabi", (
        "Die Verhandlungen zwischen Russland und der Ukraine in Abu Dhabi gehen weiter. "
        "In Moskau wird über den Donbas gestritten. Die Gespräche seien konstruktiv gewesen."
    ), "de")])
    assert result.language == "de"
    assert "ner" not in result.applied and "gazetteer_places" in result.applied
    countries = {e.name: e.country for e in result.entities}
    assert countries["Abu Dhabi"] == "AE" and countries["Moskau"] == "RU" and countries["Donbas"] == "UA"
    assert result.keywords


def test_cli_enrich_prints_one_line_per_input(tmp_path: Path, capsys) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": 7, "title": "Floods", "text": PAGE}) + "\n\n"
        + json.dumps({"id": "b", "title": "", "text": "", "language": "fr"}) + "\n",
        encoding="utf-8",
    )
    assert main(["enrich", "--jsonl", str(source)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == [7, "b"]
    assert set(lines[0]) == {"id", "language", "entities", "keywords"}
    lyon = next(e for e in lines[0]["entities"] if e["text"] == "Lyon")
    assert lyon == {"text": "Lyon", "type": "place", "country": "FR", "mentions": lyon["mentions"]}
    assert lines[1] == {"id": "b", "language": "fr", "entities": [], "keywords": []}
    source.write_text('{"id": 1, "text": 5}\n', encoding="utf-8")
    assert main(["enrich", "--jsonl", str(source)]) == 1
    assert "line 1" in capsys.readouterr().err


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="needs ../shared/seeds (the AP seed story)")
def test_the_ap_seed_story_gives_its_people_organisation_and_places() -> None:
    lines = next((SHARED / "seeds").glob("000_*.txt")).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Negotiations aimed at ending"))
    end = next(i for i, line in enumerate(lines) if "contributed to this report" in line)
    _, found = _entities("\n".join(lines[start : end + 1]))
    for person in ("Dmitry Peskov", "Vladimir Putin", "Volodymyr Zelenskyy", "Donald Trump", "Johann Wadephul"):
        assert found[person].type == "person", person
    assert found["Kremlin"].type == "organisation"
    countries = {name: (e.type, e.country) for name, e in found.items()}
    expected = {
        "Abu Dhabi": "AE", "United Arab Emirates": "AE", "Kyiv": "UA", "Donbas": "UA",
        "Moscow": "RU", "Krasnodar": "RU", "Latvia": "LV", "Slavyansk": "RU",
    }
    assert {name: countries.get(name) for name in expected} == {n: ("place", c) for n, c in expected.items()}
