"""Entity evidence in story clustering: the same kind of event in two cities stays two stories.

The texts are written for this test: two roof collapses after heavy snow, told in
nearly the same words but in two invented towns with their own officials, and a second report of
the first collapse. Entities are given as the enrich stage stores them (``type|name|country``).
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from test_stories_fixtures import T0

from pipelines.stories.engine import StoryClusterer
from pipelines.stories.evidence import (
    entity_conflict,
    entity_evidence,
    full_names,
    lead_person,
    name_words,
    shares_person,
)
from pipelines.stories.jsonl import run_cluster_jsonl
from pipelines.stories.types import ClusterConfig, Doc

COLLAPSE = (
    "The roof of the sports hall in {town} gave way under heavy snow on the first night of "
    "the storm, and rescue teams searched the rubble until morning, officials in {town} said. "
    "Fire chief {chief} said the hall had been empty when the steel beams buckled, because "
    "the evening training session had been cancelled two hours earlier. Engineers will check "
    "every flat roof of the district before schools reopen, {chief} said. Residents of {town} "
    "were asked to clear snow from their own roofs and to keep away from the damaged hall."
)
OTHER_TOWN = (
    "Heavy snow brought down the roof of a sports hall in {town} during the first night of the "
    "storm, officials in {town} said, and rescue teams searched the rubble until the morning. "
    "The hall was empty when the steel beams buckled, fire chief {chief} said, since the "
    "evening training had been cancelled. Every flat roof of the district will be checked by "
    "engineers before schools reopen, said {chief}, who asked residents of {town} to clear "
    "snow from their roofs and stay away from the hall."
)
FOLLOW_UP = (
    "Engineers inspecting the collapsed sports hall in {town} found that snow on its flat roof "
    "weighed twice what the beams were built for, fire chief {chief} said. The hall in {town} "
    "had been empty because training was cancelled, and nobody was hurt. Teams will now check "
    "every flat roof in the district, and {chief} urged residents of {town} to clear their own."
)


def _doc(doc_id: int, template: str, town: str, chief: str, *, entities: bool, hours: float = 0) -> Doc:
    text = template.format(town=town, chief=chief)
    found = (
        (f"place|{town.lower()}|", text.count(town)),
        (f"person|{chief.lower()}|", text.count(chief)),
    )
    return Doc(
        id=doc_id, url=f"https://example.test/{doc_id}", title=f"Snow brings down sports hall roof in {town}",
        text=text, published_at=T0 + timedelta(hours=hours), source=f"outlet-{doc_id}",
        entities=found if entities else (),
    )


def _stories(entities: bool) -> dict[int, object]:
    docs = [
        _doc(1, COLLAPSE, "Vellmoor", "Ada Kettering", entities=entities),
        _doc(2, OTHER_TOWN, "Ostrava Minor", "Bruno Salcedo", entities=entities, hours=2),
        _doc(3, FOLLOW_UP, "Vellmoor", "Ada Kettering", entities=entities, hours=5),
    ]
    return {a.id: a.story_key for a in StoryClusterer().add_many(docs)}


def test_words_alone_merge_the_two_collapses() -> None:
    """Without entities the two towns' reports read as one event (what the evidence fixes)."""
    stories = _stories(entities=False)
    assert stories[1] == stories[2]


def test_entities_keep_two_towns_apart_and_the_follow_up_joins() -> None:
    stories = _stories(entities=True)
    assert stories[1] != stories[2]
    assert stories[3] == stories[1]


def test_conflict_needs_salient_places_on_both_sides_named_nowhere_in_the_other() -> None:
    types, min_mentions = ("place",), 3
    here = {"place|vellmoor|": 4, "person|ada kettering|": 2}
    there = {"place|ostrava minor|": 3}
    assert entity_conflict(here, frozenset({"vellmoor"}), there, {"minor", "ostrava"}, types, min_mentions) == "place"
    # The other side names the town (NER missed it there, the words did not).
    assert entity_conflict(here, frozenset({"vellmoor", "minor"}), there, {"minor"}, types, min_mentions) is None
    # The same entity on both sides agrees, though its name is not among the words
    # (an abbreviation resolved to the full name).
    resolved = {"place|vellmoor harbour|": 3}
    assert entity_conflict(resolved, frozenset({"vh"}), dict(resolved), {"vh"}, types, min_mentions) is None
    # Mentioned in passing (below min_mentions) is no evidence either way.
    assert entity_conflict({"place|vellmoor|": 1}, frozenset(), there, set(), types, min_mentions) is None
    # People are not compared unless asked for.
    assert entity_conflict({"person|ada kettering|": 5}, frozenset(), {"person|bo lind|": 5}, set(), types, 3) is None


def test_evidence_keeps_the_configured_types_and_capitalised_words() -> None:
    evidence = entity_evidence([("place|vellmoor|", 2), ("person|ada kettering|", 3), ("place|vellmoor|", 1)], ("place",))
    assert evidence == {"place|vellmoor|": 3}
    # A one- or two-letter name is an abbreviation, not a place to tell events apart by.
    assert entity_evidence([("place|ko|", 4), ("place|kelby|", 3)], ("place",)) == {"place|kelby|": 3}
    assert name_words("Roof falls in Vellmoor", "Chief Ada Kettering said the hall was empty.", 100) == {
        "roof", "vellmoor", "chief", "ada", "kettering",
    }


def test_people_named_in_full_link_dated_follow_ups() -> None:
    people = full_names([("person|ada kettering|", 2), ("person|kettering|", 4), ("place|vellmoor|", 3),
                         ("person|ada kettering|", 1)])
    # A last name alone is shared by many people; only full names count, summed.
    assert people == {"person|ada kettering|": 3}
    assert shares_person(people, {"person|ada kettering|": 2, "person|bo lind|": 5}, 2)
    # Named in passing on one side is no evidence.
    assert not shares_person(people, {"person|ada kettering|": 1}, 2)
    assert not shares_person({"person|ada kettering|": 1}, {"person|ada kettering|": 9}, 2)
    # Switched off (0) or nobody named.
    assert not shares_person(people, dict(people), 0)
    assert not shares_person({}, dict(people), 2)


_NURSE = "person|talia morrow|"
# A shooting and, the next day, a vigil for the victim: other words (four shared terms,
# her name and the clinic), but both name her in full twice.
_DOORSTEP = Doc(
    id="shot", url="https://east.example/shot", source="east.example",
    title="Talia Morrow shot on her doorstep in Pellham",
    text=(
        "A woman was shot on the doorstep of her home in Pellham late on Monday. Neighbours named her "
        "as Talia Morrow, a nurse at the county clinic. Talia Morrow was flown to the trauma centre "
        "with wounds to the chest and arm. Officers closed the road until dawn and asked drivers "
        "with dashboard cameras to come forward. A car was seen speeding towards the ring road. "
        "Forensic teams searched hedges along Brindle Avenue for casings, and a helicopter circled "
        "over the allotments. Shopkeepers on the parade described hearing three loud bangs. The "
        "inspector leading the inquiry urged calm and promised extra patrols near the primary school."
    ),
    published_at=T0, entities=((_NURSE, 2), ("place|pellham|", 1)),
)
_VIGIL = Doc(
    id="vigil", url="https://west.example/vigil", source="west.example",
    title="Candles for Talia Morrow",
    text=(
        "Colleagues lit candles outside the clinic on Tuesday evening for Talia Morrow, who remains "
        "in intensive care. Talia Morrow trained dozens of young nurses, her manager said, and "
        "patients left cards at the reception desk. A fund set up by the choir she sings with has "
        "raised enough to cover her rent for the winter. Her brother thanked the paramedics. "
        "Members of the rowing club she coached wore green ribbons at their regatta on the reservoir, "
        "and a bakery in the market square donated cakes for the fundraising stall. The vicar "
        "read a short prayer, and a violinist from the orchestra played while volunteers sold raffles."
    ),
    published_at=T0 + timedelta(days=1), entities=((_NURSE, 2),),
)


def test_close_reports_naming_one_person_in_full_need_few_shared_terms() -> None:
    vigil = StoryClusterer().add_many([_DOORSTEP, _VIGIL], workers=0)[-1]
    assert not vigil.new_story
    assert vigil.evidence["cosine"] < ClusterConfig().strong_link_threshold
    # Without the rule, or without the entities, four shared terms are too few.
    off = StoryClusterer(ClusterConfig(close_shared_person=False)).add_many([_DOORSTEP, _VIGIL], workers=0)
    assert off[-1].new_story
    bare = [replace(_DOORSTEP, entities=()), replace(_VIGIL, entities=())]
    assert StoryClusterer().add_many(bare, workers=0)[-1].new_story
    # Days apart the rule does not apply.
    later = replace(_VIGIL, published_at=T0 + timedelta(days=4))
    assert StoryClusterer().add_many([_DOORSTEP, later], workers=0)[-1].new_story


_VICTIM, _SUSPECT, _SPOKESMAN = "person|renna okafor|", "person|davit lorcan|", "person|hal brightwater|"
# A killing, another event the same week with the same police spokesman, and the sentence
# five months later in the court's words: the names are what it shares with the killing.
_KILLING = Doc(
    id="killing", url="https://gazette.example/killing", source="gazette.example",
    title="Woman shot dead outside Corvane launderette",
    text=(
        "Renna Okafor, 33, was shot dead outside a launderette on Tilbury Walk in Corvane on Friday "
        "night. Witnesses said a man argued with Okafor before firing twice and running towards the "
        "canal towpath. Police later arrested Davit Lorcan, 35, her former partner, at a relative's "
        "flat. Spokesman Hal Brightwater said Lorcan was being questioned and that officers were "
        "searching the towpath for the weapon. Okafor worked at the bakery on the corner and leaves "
        "two young sons. Neighbours laid flowers at the launderette on Saturday morning."
    ),
    published_at=T0, entities=((_VICTIM, 3), (_SUSPECT, 2), (_SPOKESMAN, 1), ("place|corvane|", 1)),
)
_ROBBERY = Doc(
    id="robbery", url="https://gazette.example/robbery", source="gazette.example",
    title="Post office robbed at gunpoint in Estley",
    text=(
        "Two men with a shotgun robbed the post office on Marlow Street in Estley on Wednesday and "
        "escaped on a moped with cash from the safe. The postmistress was unhurt but shaken, said "
        "spokesman Hal Brightwater, who appealed for footage from the bus station cameras. A moped "
        "was later found burnt out behind the leisure centre."
    ),
    published_at=T0 + timedelta(days=5), entities=((_SPOKESMAN, 1), ("place|estley|", 1)),
)
_SENTENCE = Doc(
    id="sentence", url="https://courier.example/sentence", source="courier.example",
    title="Life term for killer of mother of two",
    text=(
        "A judge at the crown court jailed Davit Lorcan for life on Tuesday, with a minimum term of "
        "twenty-two years, for the murder of Renna Okafor. The jury took four hours to reach its "
        "verdict after a trial of nine days. Lorcan showed no emotion as the sentence was read. "
        "Okafor's mother told the court her grandsons ask for their mother every night. Defence "
        "counsel said his client would appeal against the conviction."
    ),
    published_at=T0 + timedelta(days=150), entities=((_SUSPECT, 2), (_VICTIM, 2)),
)


def _late(config: ClusterConfig, late: Doc = _SENTENCE) -> dict[str, object]:
    return {a.id: a for a in StoryClusterer(config).add_many([_KILLING, _ROBBERY, late], workers=0)}


def test_a_late_report_naming_the_story_people_revives_it() -> None:
    result = _late(ClusterConfig())
    sentence = result["sentence"]
    assert sentence.story_key == result["killing"].story_key and sentence.evidence["revived"]
    assert sentence.evidence["archive_people"] == [_SUSPECT, _VICTIM]
    # Without the rule the court's words are not enough: a new story.
    assert _late(ClusterConfig(archive_person_shared=0))["sentence"].new_story
    # One name of the story, the other the spokesman both archived stories name: not enough.
    spokesman = replace(_SENTENCE, entities=((_SUSPECT, 2), (_SPOKESMAN, 1)))
    assert _late(ClusterConfig(), spokesman)["sentence"].new_story


def test_archived_people_travel_with_the_story_summary() -> None:
    clusterer = StoryClusterer()
    killing = clusterer.add_many([_KILLING, _ROBBERY], workers=0)[0].story_key
    summary = clusterer.story_summary(killing)
    assert summary["people"] == [_VICTIM, _SUSPECT, _SPOKESMAN]  # most named first
    # Another run (another partition) seeded with the summary keeps them with the story.
    other = StoryClusterer()
    assert other.seed_archived(
        killing, summary["first_time"], summary["last_time"], summary["size"], summary["terms"],
        summary["people"],
    )
    assert other.story_summary(killing)["people"] == summary["people"]
    assert other.add(_SENTENCE).story_key == killing


def test_places_and_institutions_taken_for_people_are_not_full_names() -> None:
    people = full_names([("person|stroger hospital|", 2), ("person|anderson county sheriff|", 1),
                         ("person|ada kettering|", 1)])
    assert people == {"person|ada kettering|": 1}


def test_without_conflict_types_entities_change_nothing() -> None:
    docs = [
        _doc(1, COLLAPSE, "Vellmoor", "Ada Kettering", entities=True),
        _doc(2, OTHER_TOWN, "Ostrava Minor", "Bruno Salcedo", entities=True, hours=2),
    ]
    stories = {a.id: a.story_key for a in StoryClusterer(ClusterConfig(conflict_types=())).add_many(docs)}
    assert stories[1] == stories[2]


def test_cluster_jsonl_reads_entities_as_storyline_enrich_prints_them() -> None:
    lines = []
    for doc in (
        _doc(1, COLLAPSE, "Vellmoor", "Ada Kettering", entities=False),
        _doc(2, OTHER_TOWN, "Ostrava Minor", "Bruno Salcedo", entities=False, hours=2),
    ):
        town = "Vellmoor" if doc.id == 1 else "Ostrava Minor"
        entities = [{"text": town, "type": "place", "country": None, "mentions": doc.text.count(town)}]
        lines.append(json.dumps({"id": doc.id, "title": doc.title, "text": doc.text,
                                 "published_at": doc.published_at.isoformat(), "entities": entities}))
    out = io.StringIO()
    run_cluster_jsonl(lines, out)
    stories = [json.loads(line)["story_id"] for line in out.getvalue().splitlines()]
    assert stories == [1, 2]
    without = io.StringIO()
    run_cluster_jsonl([json.dumps({k: v for k, v in json.loads(line).items() if k != "entities"}) for line in lines], without)
    assert [json.loads(line)["story_id"] for line in without.getvalue().splitlines()] == [1, 1]


def test_cluster_jsonl_names_the_line_of_a_malformed_entity() -> None:
    bad = json.dumps({"id": 1, "text": "x", "entities": [{"text": "Vellmoor", "type": "place", "mentions": 0}]})
    with pytest.raises(ValueError, match="line 2: entity .* positive"):
        run_cluster_jsonl(['{"id": 0, "text": "y"}', bad], io.StringIO())


ARREST = (
    "Harbour City Gulls {role} {name} was arrested early on Sunday on suspicion of driving "
    "under the influence, police in Harbour City said. Officers stopped his black pickup on "
    "the coast road after it drifted across two lanes, and {last} failed a roadside sobriety "
    "test before he was booked into the county jail. He was released on bail six hours later. "
    "The Gulls said they were aware of the arrest of {name} and were gathering information, "
    "and the coach declined to say whether {last} would play in the game against the Pikes."
)
ARREST_RETOLD = (
    "Police in Harbour City arrested {name}, a {role} for the Gulls, on suspicion of drunk "
    "driving in the early hours of Sunday. His pickup was seen drifting across lanes on the "
    "coast road; {last} then failed a sobriety test at the roadside and was taken to the "
    "county jail, from which he was released on bail. The club said it knew of the arrest of "
    "{name} and was still gathering information. Whether {last} plays against the Pikes, the "
    "coach would not say. He is the second Gulls player arrested this season, after receiver {other}."
)
ARREST_THIRD = (
    "Gulls {role} {name} spent six hours in the county jail on Sunday after police in Harbour "
    "City stopped his pickup on the coast road on suspicion of driving under the influence. "
    "{last} failed a roadside sobriety test, officers said, and was released on bail. The "
    "Gulls are gathering information about the arrest of {name}, and the coach did not say "
    "whether {last} will face the Pikes."
)


def _arrest(doc_id: int, template: str, role: str, name: str, other: str = "") -> Doc:
    last = name.split()[-1]
    text = template.format(role=role, name=name, last=last, other=other)
    people = [(f"person|{person.lower()}|", text.count(person)) for person in (name, other) if person]
    return Doc(
        id=doc_id, url=f"https://example.test/{doc_id}", title=f"Gulls {role} {last} arrested on suspicion of DUI",
        text=text, published_at=None, source=f"outlet-{doc_id}",
        entities=(*people, ("place|harbour city|", 2)),
    )


def test_undated_reports_headlined_by_different_people_stay_apart() -> None:
    """Undated, the time cannot tell two arrests of one kind apart: the headlined person does."""
    docs = [
        _arrest(1, ARREST, "receiver", "Tomas Reyburn"),
        # The second names the first player in passing, as background.
        _arrest(2, ARREST_RETOLD, "lineman", "Odell Marchetti", other="Tomas Reyburn"),
        _arrest(3, ARREST_THIRD, "receiver", "Tomas Reyburn"),
    ]
    stories = {a.id: a.story_key for a in StoryClusterer().add_many(docs)}
    assert stories[1] != stories[2]
    assert stories[3] == stories[1]
    # Words alone, or with the rule switched off, the two arrests read as one event.
    off = StoryClusterer(ClusterConfig(title_person_mentions=0)).add_many(docs)
    assert len({a.story_key for a in off}) == 1
    # Dated articles are left to the time checks: the rule is for undated ones only.
    dated = [replace(doc, published_at=T0 + timedelta(hours=doc.id)) for doc in docs]
    assert len({a.story_key for a in StoryClusterer().add_many(dated)}) == 1


def test_an_undated_report_naming_the_story_s_lead_as_often_as_its_own_is_about_both() -> None:
    """A headline person is no conflict when the article names the story's lead as often."""
    first, third = _arrest(1, ARREST, "receiver", "Tomas Reyburn"), _arrest(3, ARREST_THIRD, "receiver", "Tomas Reyburn")
    both = _arrest(2, ARREST_RETOLD, "lineman", "Odell Marchetti", other="Tomas Reyburn")
    mentions = dict(both.entities)
    assert mentions["person|tomas reyburn|"] < mentions["person|odell marchetti|"]
    tied = replace(both, entities=tuple(
        (key, mentions["person|odell marchetti|"] if key == "person|tomas reyburn|" else count)
        for key, count in both.entities
    ))
    stories = {a.id: a.story_key for a in StoryClusterer().add_many([first, tied, third])}
    assert stories[2] == stories[1] == stories[3]


def test_lead_person_is_the_most_named_full_name() -> None:
    people = {"person|ada kettering|": 3, "person|bo lind|": 3, "person|cy orr|": 1}
    # Ties go to the smaller key; too few mentions is no lead.
    assert lead_person(people, 2) == "person|ada kettering|"
    assert lead_person(people, 4) is None
    assert lead_person({}, 1) is None
    assert lead_person(people, 0) is None
