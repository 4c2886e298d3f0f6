"""The online story clusterer: relation kinds, separate events, determinism, seeding, window, archive."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import timedelta

from test_stories_fixtures import T0, dam_docs

from pipelines.stories.engine import StoryClusterer, short_shares_enough
from pipelines.stories.jsonl import run_cluster_jsonl
from pipelines.stories.similarity import residual_link, shared_passages
from pipelines.stories.types import ClusterConfig, Doc


def _by_id():
    return {a.id: a for a in StoryClusterer().add_many(dam_docs())}


def test_each_relation_kind() -> None:
    result = _by_id()
    assert result[1].relation == "origin" and result[1].new_story
    assert result[2].relation == "independent" and result[2].related_to == 1
    assert (result[3].duplicate_kind, result[3].duplicate_of, result[3].relation) == ("text", 1, "copy")
    assert (result[4].duplicate_kind, result[4].duplicate_of) == ("url", 1)
    assert (result[5].duplicate_kind, result[5].duplicate_of) == ("near", 1)
    assert result[5].similarity >= 0.5
    rewrite = result[6]
    assert (rewrite.relation, rewrite.related_to) == ("rewrite", 1)
    assert rewrite.shared_passages >= 2 and rewrite.evidence["shared_words"] >= 20
    assert len({result[i].story_key for i in range(1, 7)}) == 1


def test_two_events_of_one_kind_stay_apart() -> None:
    result = _by_id()
    assert result[7].story_key == result[8].story_key
    assert result[7].story_key != result[1].story_key
    assert result[7].relation == "origin"


def test_same_input_gives_same_assignment_in_any_input_order() -> None:
    docs = dam_docs()
    first = StoryClusterer().add_many(docs)
    second = StoryClusterer().add_many(list(reversed(docs)))
    assert first == second


def test_seeded_story_gets_new_members() -> None:
    docs = dam_docs()
    clusterer = StoryClusterer()
    clusterer.seed(docs[0], 41)
    clusterer.seed(docs[6], 42)
    result = {a.id: a for a in clusterer.add_many([docs[1], docs[5], docs[7]])}
    assert result[2].story_key == 41 and not result[2].new_story
    assert (result[6].story_key, result[6].relation) == (41, "rewrite")
    assert result[8].story_key == 42


def test_window_evicts_old_articles() -> None:
    docs = dam_docs()
    clusterer = StoryClusterer(ClusterConfig(archive_days=0))  # no archive to revive from
    clusterer.add(docs[0])
    late = Doc(id=99, url="https://late.example/x", title=docs[1].title, text=docs[1].text,
               published_at=T0 + timedelta(days=90), source="late")
    assignment = clusterer.add(late)
    assert assignment.new_story and not clusterer.holds(1)


def test_shared_passages_counts_runs() -> None:
    import numpy as np

    later = np.array([1, 2, 3, 9, 9, 4, 5], dtype=np.uint64)
    earlier = np.array([1, 2, 3, 4, 5], dtype=np.uint64)
    assert shared_passages(later, earlier, 8) == (2, 3 + 7 + 2 + 7, 10)


def test_run_cluster_jsonl_prints_one_line_per_input_in_order() -> None:
    lines = [
        json.dumps({"id": doc.id, "url": doc.url, "title": doc.title, "text": doc.text,
                    "published_at": doc.published_at.isoformat(), "source": doc.source})
        for doc in reversed(dam_docs())
    ]
    out = io.StringIO()
    assert run_cluster_jsonl(lines, out) == 8
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["id"] for row in rows] == [8, 7, 6, 5, 4, 3, 2, 1]
    assert rows[0]["story_id"] == 1 and rows[2]["story_id"] == 2
    assert {row["story_id"] for row in rows[2:]} == {2}
    assert rows[4]["duplicate_of"] == 1 and rows[7]["duplicate_of"] is None


def test_run_cluster_jsonl_names_bad_line() -> None:
    import pytest

    with pytest.raises(ValueError, match="line 2"):
        run_cluster_jsonl(['{"id": 1, "text": "x"}', "{not json"], io.StringIO())
    with pytest.raises(ValueError, match="already used on line 1"):
        run_cluster_jsonl(['{"id": 1}', '{"id": 1}'], io.StringIO())


def test_helper_process_features_give_the_same_assignments() -> None:
    docs = dam_docs()
    serial = StoryClusterer().add_many(docs, workers=0)
    helped = StoryClusterer().add_many(docs, workers=1)
    assert helped == serial


def test_residual_link_leaves_out_the_heaviest_shared_entity() -> None:
    place_only = {"baton": 0.5, "rouge": 0.5, "baton_rouge": 0.5, "police": 0.5}
    other = {"baton": 0.5, "rouge": 0.5, "baton_rouge": 0.5, "harvest": 0.5}
    # Everything shared is one entity (the city): nothing is left.
    assert residual_link(place_only, other) == 0.0
    details = {"baton": 0.5, "rouge": 0.5, "baton_rouge": 0.4, "lobdell": 0.3, "4": 0.2}
    same_event = {"baton": 0.4, "rouge": 0.4, "baton_rouge": 0.4, "lobdell": 0.5, "4": 0.3}
    assert abs(residual_link(details, same_event) - (0.3 * 0.5 + 0.2 * 0.3)) < 1e-12


def test_outlet_boilerplate_is_left_out_of_vectors() -> None:
    config = ClusterConfig(source_memory=4, source_min_articles=3, source_share=0.5)
    clusterer = StoryClusterer(config)
    footer = "Copyright Valley Gazette Newsroom Weather Traffic"
    vectors = []
    for index, topic in enumerate(["harbor crane", "school budget", "river flood", "tax vote"]):
        text = f"The {topic} story number {index} with Mayor Quint{index} speaking. {footer}"
        doc = Doc(id=index, title=topic, text=text, published_at=T0, source="gazette.example")
        clusterer.add(doc)
        vectors.append(clusterer.term_vector(index))
    assert "gazette" in vectors[0] and "valley_gazette" in vectors[2]
    # After three articles that all carry the footer, the fourth leaves it out.
    assert "gazette" not in vectors[3] and "valley_gazette" not in vectors[3]
    assert "quint3" in vectors[3]
    other = Doc(id="x", title="tax vote", text=f"Tax vote. {footer}", published_at=T0, source="b.example")
    clusterer.add(other)
    assert "gazette" in clusterer.term_vector("x")  # another outlet's words are its own


_FIRE = Doc(
    id="fire", url="https://one.example/fire", source="one.example",
    title="Warehouse fire in Dunmore closes Orrin Street",
    text=(
        "Firefighters spent the night fighting a blaze at a timber warehouse on Orrin Street in Dunmore. "
        "Fire chief Alma Keane said crews from four stations reached the site shortly after midnight and "
        "that nobody was hurt. The warehouse belongs to Pellow Timber, which stores roofing beams there. "
        "Orrin Street will stay closed while inspectors check the walls, Keane added. Residents of nearby "
        "flats were moved to the Dunmore community hall for the night. Smoke could be seen from the ring "
        "road. The cause of the fire is not yet known and an investigation has started."
    ),
    published_at=T0,
)
# A follow-up that says far more about the company than about the fire: a weak link.
_LOSSES_TEXT = (
    "Pellow Timber says it lost most of its stock of roofing beams when its warehouse burned. Managing "
    "director Rhys Tallon told staff that orders would be delayed by weeks and that the company would "
    "rent space in Carrow while the Orrin Street site is rebuilt. Insurance assessors visited the ruins "
    "in Dunmore. Founded by Maren Pellow in 1962, the firm began as a sawmill beside the Lune canal and "
    "later moved into joinery, flooring and garden sheds. Its apprenticeship scheme with Vayle College "
    "trains twelve carpenters a year. Last spring it opened a showroom in Brackwell and signed a supply "
    "contract with the Ostrander housing association for three hundred new homes. Tallon said the "
    "showroom stays open, the garden shed range ships from the Brackwell yard, and the apprentices will "
    "continue their courses at Vayle College as planned. The Ostrander association said its building "
    "timetable in Kelby and Sturrow would slip by a month, and that its chair, Ines Mulgrave, would meet "
    "Pellow managers in Brackwell on Friday to agree new delivery dates for the Kelby terraces. Local "
    "councillor Dafydd Orme asked the Hesk chamber of commerce to help the staff of the sawmill."
)


def _losses(days: float) -> Doc:
    return Doc(
        id="losses", url="https://two.example/losses", source="two.example",
        title="Dunmore timber company counts losses", text=_LOSSES_TEXT,
        published_at=T0 + timedelta(days=days),
    )


def test_a_weak_link_joins_only_when_the_reports_are_days_apart() -> None:
    config = ClusterConfig(min_shared_terms=5)
    next_day = StoryClusterer(config).add_many([_FIRE, _losses(1)], workers=0)[1]
    assert not next_day.new_story
    assert config.centroid_threshold > next_day.evidence["centroid"] >= config.close_centroid_threshold
    # The same pair five days apart, or with the close-in-time rule off, stays apart.
    assert StoryClusterer(config).add_many([_FIRE, _losses(5)], workers=0)[1].new_story
    no_rule = ClusterConfig(min_shared_terms=5, close_days=0)
    assert StoryClusterer(no_rule).add_many([_FIRE, _losses(1)], workers=0)[1].new_story


def test_a_short_article_shares_enough_with_fewer_terms() -> None:
    config = ClusterConfig(min_shared_terms=10, short_shared_share=0.25)
    # Six terms are few for two full reports, but a quarter of a brief with twenty.
    assert not short_shares_enough(6, 80, config)
    assert short_shares_enough(6, 20, config)
    # Never fewer than half of min_shared_terms, however short the brief.
    assert not short_shares_enough(4, 8, config)


# Two briefs of one crash: seven shared terms of about twenty-five, under min_shared_terms.
_BRIEF_CRASH = Doc(
    id="brief-a", url="https://daily.example/a", source="daily.example",
    title="Cyclist hurt on Maple Ring",
    text="A cyclist was taken to hospital with leg injuries after a van struck him on Maple Ring near "
         "the Orbury roundabout early on Monday. Paramedics closed two lanes while firemen swept glass, "
         "and buses to Kelton were diverted past the brewery for an hour.",
    published_at=T0,
)
_BRIEF_DRIVER = Doc(
    id="brief-b", url="https://weekly.example/b", source="weekly.example",
    title="Van driver questioned after Orbury crash",
    text="Officers questioned the driver of a white van after a crash with a cyclist at the Orbury "
         "roundabout on Maple Ring. The rider is recovering. Witnesses described heavy drizzle and a "
         "broken streetlight; the council promised resurfacing works and painted markings before winter.",
    published_at=T0 + timedelta(hours=20),
)


def test_two_briefs_share_enough_only_from_two_outlets() -> None:
    driver = StoryClusterer().add_many([_BRIEF_CRASH, _BRIEF_DRIVER], workers=0)[-1]
    assert not driver.new_story and driver.evidence["cosine"] < ClusterConfig().strong_link_threshold
    # From one outlet the few shared terms may be its own words.
    same = [_BRIEF_CRASH, replace(_BRIEF_DRIVER, source=_BRIEF_CRASH.source)]
    assert StoryClusterer().add_many(same, workers=0)[-1].new_story
    either = ClusterConfig(short_other_outlet=False)
    assert not StoryClusterer(either).add_many(same, workers=0)[-1].new_story


_STRIKER = Doc(
    id="striker", title="Harwick Rovers sign striker Tomas Vellacourt",
    text=(
        "Harwick Rovers have signed the striker Tomas Vellacourt from Ostfield Athletic on a three "
        "year contract. Vellacourt scored nineteen goals last season and passed his medical at the "
        "Brennan Park training ground on Tuesday. Rovers manager Colm Aldridge said Vellacourt gives "
        "the squad pace up front. The fee was not disclosed, but Vellacourt is the club's third summer "
        "signing. Harwick Rovers finished fourth in the Northern League and chairman Ruth Kessing has "
        "promised supporters a push for promotion. Vellacourt will wear the number nine shirt."
    ),
)
# Another signing by the same club: same manager, ground, chairman and league, another player.
_KEEPER = Doc(
    id="keeper", title="Harwick Rovers sign goalkeeper Anselm Drouet",
    text=(
        "Goalkeeper Anselm Drouet has joined Harwick Rovers from Calder Town for an undisclosed fee. "
        "Drouet kept fourteen clean sheets last season and signed a two year contract after a medical "
        "at the Brennan Park training ground. Rovers manager Colm Aldridge called Drouet a commanding "
        "presence. Drouet is the club's fourth summer signing, and chairman Ruth Kessing said the Northern "
        "League side want promotion. Harwick Rovers finished fourth last season. Drouet takes the number "
        "one shirt."
    ),
)


def test_reports_about_different_main_subjects_stay_apart_when_not_close_in_time() -> None:
    # Undated: the link is strong (same club, manager, ground), but neither report names
    # the other's main subject (the player): two events of one kind.
    undated = StoryClusterer().add_many([_STRIKER, _KEEPER], workers=0)[1]
    assert undated.new_story and undated.evidence["best_cosine"] >= 0.4
    no_rule = ClusterConfig(subject_check=False)
    assert not StoryClusterer(no_rule).add_many([_STRIKER, _KEEPER], workers=0)[1].new_story
    apart = [
        replace(_STRIKER, published_at=T0),
        replace(_KEEPER, published_at=T0 + timedelta(days=4)),
    ]
    assert StoryClusterer().add_many(apart, workers=0)[1].new_story


def test_document_frequencies_are_halved_so_one_off_names_fade() -> None:
    clusterer = StoryClusterer(ClusterConfig(df_halving_docs=4))
    towns = ["Ardley", "Bexmoor", "Calloway", "Dunfirth", "Edgeworth", "Fallowmere", "Grisdale", "Harkness"]
    topics = ["bridge tolls", "school meals", "bus lanes", "flood walls", "library hours", "park lights",
              "market stalls", "ferry fares"]
    docs = [
        Doc(id=index, title=f"{town} weighs {topic}", published_at=T0 + timedelta(days=3 * index),
            text=f"The council of {town} argued about {topic} until late on a long evening.")
        for index, (town, topic) in enumerate(zip(towns, topics, strict=True))
    ]
    clusterer.add_many(docs, workers=0)
    df = clusterer.document_frequency
    # Every town name was seen once: gone after a halving. Shared words were seen 8 times:
    # 4 -> 2 at the first halving (after 4 articles), then 2 + 4 = 6 -> 3 at the second.
    assert [df(town.lower()) for town in towns] == [0] * len(towns)
    assert df("council") == 3 and clusterer._doc_total == 3


def _filler_docs(count: int) -> list[Doc]:
    """Return ``count`` unrelated dated articles, each about its own made-up place and topic.

    No two share a place or a topic, so none is a near-duplicate of another and each counts
    in the document frequencies.
    """
    syllables = ["bar", "cel", "dov", "fen", "gil", "hol", "kir", "lun", "mor", "nes", "pol", "rav"]
    docs = []
    for index in range(count):
        first, second, third = (syllables[(index // 12**k) % 12] for k in range(3))
        place = (first + second + third + "ton").capitalize()
        topic = second + first + third + "ing"
        docs.append(Doc(
            id=f"filler-{index}", title=f"{place} council debates {topic}",
            text=f"Members in {place} spent the evening on {topic} and the cost of {topic}. "
                 f"A vote on {topic} in {place} is expected next month.",
            published_at=T0 - timedelta(days=6) + timedelta(minutes=30 * index),
            source=f"outlet{index}.example",
        ))
    return docs


_FIRE_REPORT = Doc(
    id="report", title="Warehouse blaze in Quillmere injures two firefighters",
    text="Two firefighters were hurt on Tuesday night when a blaze tore through a timber "
         "warehouse on Osgrave Lane in Quillmere. Crews from three stations fought the fire "
         "for six hours. The cause is not yet known, fire officials in Quillmere said, and the "
         "owner of the warehouse, Brimley Timber, said no staff were inside.",
    published_at=T0, source="first.example",
)
# A page whose body is mostly other things (the weather, a list of videos), with the fire
# in its title and one line of the body.
_FIRE_PAGE = Doc(
    id="page", title="Quillmere warehouse blaze: two firefighters injured",
    text="Weather: showers spreading from the west, highs of twelve, brisk winds by evening. "
         "Videos: school choir sings at the harbour, a new bakery opens, the marathon route "
         "is announced, allotment holders count their marrows, a heron steals a fish. "
         "Quillmere warehouse blaze leaves two firefighters injured.",
    published_at=T0 + timedelta(hours=20), source="second.example",
)


def test_close_article_whose_title_is_found_in_the_other_joins_its_story() -> None:
    docs = [*_filler_docs(240), _FIRE_REPORT, _FIRE_PAGE]
    result = {a.id: a for a in StoryClusterer().add_many(docs, workers=0)}
    assert result["page"].story_key == result["report"].story_key
    # Without the title rule the weak link alone does not join them (the four words they
    # share, which no filler article has, are rare details: that rule is off here too).
    off = StoryClusterer(ClusterConfig(title_containment=0.0, rare_details=0)).add_many(docs, workers=0)
    off_by_id = {a.id: a for a in off}
    assert off_by_id["page"].story_key != off_by_id["report"].story_key


# A page whose body is a list of other videos: none of its heaviest terms is the fire's,
# so the inverted index does not find the report; only its title tells its story.
_VIDEO_PAGE = Doc(
    id="videos", title="Two firefighters hurt as Quillmere warehouse burns",
    text="Latest videos. Ferndale Rovers beat Ashcombe United in the cup. Mayor Pella Voss opens "
         "the Grantley Bridge. Dunmere Zoo welcomes twin Otters. Harvest Fair returns to Coldhythe "
         "Green. Brassington Choir wins at Lowestow. Kestle Marathon route announced by Oren Tallis. "
         "Ambrose Quay ferry delayed by Storm Idris. Wenlow Library reopens after Merrit Hall repairs. "
         "Thistlebrook School celebrates Robotics prize. Anstey Vale cyclists reach Marrowby.",
    published_at=T0 + timedelta(hours=6), source="third.example",
)


def test_close_articles_are_found_through_rare_title_words() -> None:
    docs = [*_filler_docs(240), _FIRE_REPORT, _VIDEO_PAGE]
    page = {a.id: a for a in StoryClusterer().add_many(docs, workers=0)}["videos"]
    assert not page.new_story and page.related_to == "report"
    # Without the title index the report is not a candidate at all.
    off = StoryClusterer(ClusterConfig(title_candidates=0)).add_many(docs, workers=0)[-1]
    assert off.new_story and off.evidence["candidates"] == 0
    # Days apart it is not looked up.
    late = [*docs[:-1], replace(_VIDEO_PAGE, published_at=T0 + timedelta(days=5))]
    assert StoryClusterer().add_many(late, workers=0)[-1].new_story


def test_title_rule_needs_two_outlets() -> None:
    # One outlet's titles share its own words: its title found in its other page is no evidence.
    page = replace(_FIRE_PAGE, source=_FIRE_REPORT.source)
    docs = [*_filler_docs(240), _FIRE_REPORT, page]
    config = ClusterConfig(rare_details=0)
    assert StoryClusterer(config).add_many(docs, workers=0)[-1].new_story
    either = replace(config, title_other_outlet=False)
    assert not StoryClusterer(either).add_many(docs, workers=0)[-1].new_story


def test_title_rule_needs_the_articles_close_in_time() -> None:
    late = replace(_FIRE_PAGE, published_at=T0 + timedelta(days=5))
    docs = [*_filler_docs(240), _FIRE_REPORT, late]
    result = {a.id: a for a in StoryClusterer().add_many(docs, workers=0)}
    assert result["page"].story_key != result["report"].story_key


# A shooting, the victim's family the next day (other words, few shared terms) and a charge
# three weeks later (one street named over and over); another shooting months before
# makes the common words (police, shots, hospital) common.
_LANE_SHOOTING = Doc(
    id="shooting", url="https://one.example/shooting", source="one.example",
    title="Man wounded in shooting on Tarrow Lane",
    text=(
        "A man was wounded early Sunday when someone fired several shots at a house on Tarrow Lane in "
        "Holbeck, police said. Officers found Dario Quillon, 34, with a gunshot wound to the leg outside "
        "number 418 and took him to the county hospital, where he was in stable condition. Neighbours "
        "said they heard an argument in the street before the shots. Police have not named a suspect "
        "and asked anyone with camera footage to come forward. Detectives spent the morning searching "
        "the gardens along the lane and collected shell casings from the pavement."
    ),
    published_at=T0,
)
_LANE_FAMILY = Doc(
    id="family", url="https://two.example/family", source="two.example",
    title="Family of Dario Quillon asks for calm",
    text=(
        "Relatives of Dario Quillon gathered at 418 Tarrow Lane on Monday and appealed for calm after "
        "the weekend attack. His sister Mirela said the family runs a bakery on the high street and "
        "had no enemies. A vigil is planned at the Saint Aidan church hall on Wednesday evening, and "
        "the parish priest offered counselling to children who saw the ambulance. The bakery will stay "
        "closed this week. Friends have started a collection to cover the lost wages of the staff, and "
        "the local football club will hold a minute of applause at its next home match."
    ),
    published_at=T0 + timedelta(days=1),
)
_LANE_CHARGE = Doc(
    id="charge", url="https://two.example/charge", source="two.example",
    title="Tarrow Lane shooting: man charged",
    text=(
        "A man has been charged over the Tarrow Lane shooting. He was arrested at a flat near Tarrow "
        "Lane on Friday and will appear before magistrates next week. Dario Quillon was shot outside "
        "number 418. Residents of Tarrow Lane welcomed the news. The council plans new lighting for "
        "Tarrow Lane and a speed table at the corner with Mossgate, and the tenants association will "
        "meet the housing officer about repairs to the garages behind the terrace."
    ),
    published_at=T0 + timedelta(days=20),
)
_OTHER_SHOOTING = Doc(
    id="other", url="https://three.example/ashby", source="three.example",
    title="Shots fired in Ashby",
    text=(
        "Police in Ashby said a man was wounded when shots were fired on Sunday. He was taken to "
        "hospital in stable condition. Officers asked neighbours with camera footage to come forward, "
        "and detectives searched the street. No suspect has been named after the argument. A family "
        "member appealed for calm and a vigil is planned at the church hall this week."
    ),
    published_at=T0 - timedelta(days=60),
)


def test_reports_sharing_details_no_other_article_has_join_with_few_shared_terms() -> None:
    docs = [*_filler_docs(120), _OTHER_SHOOTING, _LANE_SHOOTING, _LANE_FAMILY]
    family = StoryClusterer().add_many(docs, workers=0)[-1]
    assert not family.new_story
    # Without the rule, the few shared terms (the street, the number, the name) are not enough.
    off = StoryClusterer(ClusterConfig(rare_details=0)).add_many(docs, workers=0)[-1]
    assert off.new_story and off.evidence["best_cosine"] >= ClusterConfig().close_link_threshold
    # Among a handful of articles every name is rare: no evidence before enough are seen.
    few = StoryClusterer().add_many(docs[-3:], workers=0)[-1]
    assert few.new_story


def test_a_follow_up_weeks_later_joins_on_details_no_other_article_has() -> None:
    docs = [*_filler_docs(120), _OTHER_SHOOTING, _LANE_SHOOTING, _LANE_CHARGE]
    clusterer = StoryClusterer()
    charge = clusterer.add_many(docs, workers=0)[-1]
    assert not charge.new_story
    # One street named over and over: without the street the link is weak (below
    # far_residual), and without the rule the far test refuses it.
    residual = residual_link(clusterer.term_vector("shooting"), clusterer.term_vector("charge"))
    assert residual < ClusterConfig().far_residual
    off = StoryClusterer(ClusterConfig(rare_details=0)).add_many(docs, workers=0)[-1]
    assert off.new_story


# A bar shooting told through its victim, and the arrest four days later told through the
# suspect (from another outlet): neither names the other's main subject, but both give the
# bar, its street and house number, the hood and the hospital, which no other article has.
_BAR_SHOOTING = Doc(
    id="bar", url="https://north.example/bar", source="north.example",
    title="Gunfire at the Lantern Tap wounds barman Orlo Brennick",
    text=(
        "Barman Orlo Brennick was shot twice early Saturday at the Lantern Tap on Quenby Row in "
        "Harrowgate, police said. Brennick, 41, had closed the bar at 2217 Quenby Row when a man in a "
        "grey hood fired through the door. Brennick was taken to Saint Wenna hospital, where he was in "
        "serious condition. Regulars said Brennick had worked at the Lantern Tap for twenty years. "
        "Police cordoned off Quenby Row and searched the alley behind the bar for casings. Brennick's "
        "sister said he had refused to serve a group of men earlier in the night."
    ),
    published_at=T0,
)
_BAR_ARREST = Doc(
    id="arrest", url="https://south.example/arrest", source="south.example",
    title="Kasimir Voltz arrested over Harrowgate bar shooting",
    text=(
        "Detectives arrested Kasimir Voltz, 28, on Wednesday over the shooting at the Lantern Tap on "
        "Quenby Row in Harrowgate. Voltz was found at a caravan site outside the town and will face "
        "an attempted murder charge. Police said Voltz had been turned away from the bar at 2217 Quenby "
        "Row hours before the shots were fired through the door. A grey hood recovered from the "
        "caravan was sent for tests. Voltz appears before magistrates on Friday; the barman remains in "
        "serious condition at Saint Wenna hospital."
    ),
    published_at=T0 + timedelta(days=4),
)


def test_reports_about_different_subjects_join_when_they_share_details_no_other_article_has() -> None:
    docs = [*_filler_docs(120), _BAR_SHOOTING, _BAR_ARREST]
    clusterer = StoryClusterer()
    arrest = clusterer.add_many(docs, workers=0)[-1]
    assert not arrest.new_story
    # Each report's heaviest term is its own person, never named by the other.
    shooting_vector, arrest_vector = clusterer.term_vector("bar"), clusterer.term_vector("arrest")
    assert next(iter(shooting_vector)) not in arrest_vector
    assert next(iter(arrest_vector)) not in shooting_vector
    # Without the rule the subject check keeps them apart.
    off = StoryClusterer(ClusterConfig(subject_rare_details=False)).add_many(docs, workers=0)[-1]
    assert off.new_story
    # From one outlet, rare words they share may be its template: no exception.
    same_outlet = [*docs[:-1], replace(_BAR_ARREST, source="north.example")]
    assert StoryClusterer().add_many(same_outlet, workers=0)[-1].new_story


# Two months after the dam breach of the fixtures: the inquiry reports (same dam, town,
# mayor, inspector, street and figures), and an unrelated story from the same town.
_INQUIRY = Doc(
    id="inquiry", url="https://courier.example/news/tessaly-inquiry", source="courier",
    title="Tessaly dam inquiry blames Orvenmouth water board",
    text=(
        "The inquiry into the Tessaly dam breach that flooded the Orvenmouth mill district "
        "found that the spillway gates had been jammed for weeks before the collapse. Maren "
        "Oduya, the retired inspector whose warnings were ignored, gave evidence on the "
        "first day. Mayor Idris Halloran said the 3,400 residents forced from their homes "
        "deserved answers, and families on Cooper Lane are still waiting for repairs. The "
        "report asks the water board to rebuild the Tessaly embankment."
    ),
    published_at=T0 + timedelta(days=60),
)
_FAIR = Doc(
    id="fair", url="https://gazette.example/orvenmouth-fair", source="gazette",
    title="Orvenmouth spring fair returns to the harbour",
    text=(
        "The Orvenmouth spring fair returned to the harbour on Saturday with a brass band, a "
        "pie contest and rides for children. Organiser Wendell Pryce said 5,000 visitors came "
        "despite the drizzle. Stallholders sold honey, cheese and pottery, and the lifeboat "
        "crew raised money for a new engine. The fair closes with fireworks on Sunday."
    ),
    published_at=T0 + timedelta(days=60),
)


def test_a_late_follow_up_revives_the_archived_story_with_its_key() -> None:
    docs = dam_docs()
    clusterer = StoryClusterer()
    first = clusterer.add_many([*docs, _FAIR], workers=0)
    story = first[0].story_key
    late = {a.id: a for a in StoryClusterer().add_many([*docs, _INQUIRY, _FAIR], workers=0)}
    # Sixty days on, nothing of the breach is held: the inquiry report finds the story in
    # the archive and rejoins it under the same key.
    assert late["inquiry"].story_key == story and not late["inquiry"].new_story
    assert late["inquiry"].relation == "independent" and late["inquiry"].evidence["revived"]
    # The fair shares only the town: it starts a story of its own.
    assert late["fair"].new_story and late["fair"].story_key != story
    # Without the archive the inquiry starts a new story.
    off = StoryClusterer(ClusterConfig(archive_days=0)).add_many([*docs, _INQUIRY], workers=0)
    assert off[-1].new_story
    # The helper process gives the same assignments.
    assert StoryClusterer().add_many([*docs, _INQUIRY, _FAIR], workers=1) == list(late.values())


def test_an_unrelated_article_from_the_same_place_does_not_revive_a_story() -> None:
    clusterer = StoryClusterer()
    breach = clusterer.add_many(dam_docs(), workers=0)[0].story_key
    fair = clusterer.add(_FAIR)
    assert clusterer.is_archived(breach) and fair.new_story and "revived" not in fair.evidence


def test_the_archive_is_bounded_in_count_and_time() -> None:
    config = ClusterConfig(far_window_days=5, window_days=5, archive_max_stories=3, archive_days=100)
    clusterer = StoryClusterer(config)
    docs = [
        replace(doc, id=f"{index}-{doc.id}", published_at=T0 + timedelta(days=10 * index))
        for index, doc in enumerate(_filler_docs(12)[::2])
    ]
    for doc in docs:
        clusterer.add(doc)
        assert clusterer.archived_stories <= 3
    assert clusterer.archived_stories == 3 and len(clusterer) == 1
    # Long after the last article, everything has expired from the archive as well.
    clusterer.add(replace(_FAIR, published_at=T0 + timedelta(days=400)))
    assert clusterer.archived_stories == 0
    assert clusterer._archive.footprint() == (0, 0, 0)


def test_counting_earlier_articles_weighs_terms_like_one_long_run() -> None:
    earlier = dam_docs()[:2]  # two distinct reports (no duplicate: those are not counted)
    added = StoryClusterer()
    added.add_many(earlier, workers=0)
    counted = StoryClusterer()
    assert counted.count_terms(earlier, workers=0) == 2
    assert len(counted) == 0 and len(added) == 2  # counted, not held
    for term in ("tessaly", "orvenmouth", "dam", "sports"):
        assert counted.document_frequency(term) == added.document_frequency(term)
    assert counted.document_frequency("orvenmouth") == 2


def test_copies_published_at_the_same_time_point_at_the_lowest_numeric_id() -> None:
    # Warehouse ids are integers: 7 was stored before 25 and is the origin, whatever the
    # input order (as text, "25" sorts before "7").
    first = dam_docs()[0]
    copies = [replace(first, id=25, url="https://copy.example/25"),
              replace(first, id=7, url="https://copy.example/7")]
    result = {a.id: a for a in StoryClusterer().add_many(copies)}
    assert result[7].duplicate_of is None and result[7].relation == "origin"
    assert (result[25].duplicate_kind, result[25].duplicate_of) == ("text", 7)


def test_http_https_and_www_variants_of_one_url_are_url_duplicates() -> None:
    first, second = dam_docs()[0], dam_docs()[1]  # two different reports
    same_url = [replace(first, id=1, canonical_url="https://www.valley.example/dam"),
                replace(second, id=2, canonical_url="http://valley.example/dam")]
    result = {a.id: a for a in StoryClusterer().add_many(same_url)}
    assert (result[2].duplicate_kind, result[2].duplicate_of) == ("url", 1)


def test_an_undated_report_is_placed_in_time_by_its_dateline() -> None:
    config = ClusterConfig(min_shared_terms=5)

    def undated(doc: Doc, dateline: str) -> Doc:
        return replace(doc, published_at=None, text=f"{dateline}{doc.text}")

    fire = undated(_FIRE, "March 4, 2031\n")
    # The weak follow-up dated the next day on a line of its own joins, as a dated one would.
    next_day = undated(_losses(1), "PUBLISHED: 5 March 2031 | 9: 15 AM\n")
    assert not StoryClusterer(config).add_many([fire, next_day], workers=0)[1].new_story
    # Five days later, without a dateline, or with the rule off, it stays apart.
    later = undated(_losses(5), "9 March 2031\n")
    assert StoryClusterer(config).add_many([fire, later], workers=0)[1].new_story
    plain = [replace(_FIRE, published_at=None), replace(_losses(1), published_at=None)]
    assert StoryClusterer(config).add_many(plain, workers=0)[1].new_story
    off = replace(config, stated_dates=False)
    assert StoryClusterer(off).add_many([fire, next_day], workers=0)[1].new_story


def test_top_items_is_nlargest_by_value_then_name_on_both_paths() -> None:
    import heapq
    import random

    from pipelines.stories.similarity import NUMPY_FROM, top_items

    rng = random.Random(5)
    for size in (3, NUMPY_FROM - 1, NUMPY_FROM, 300):
        # Few distinct values, so that ties fall at the cut.
        scores = {f"doc{index}": rng.choice([0.1, 0.2, 0.25, 0.3, 0.7]) for index in range(size)}
        for count in (1, 8, 40):
            expected = heapq.nlargest(count, scores.items(), key=lambda item: (item[1], item[0]))
            found = top_items(scores, count)
            assert sorted(found) == sorted(expected), (size, count)
            # Items above the cut keep the dict's order (a pruned centroid's order).
            above = [key for key, value in found if value > min(v for _, v in found)]
            assert above == [key for key in scores if key in set(above)]


def test_an_undated_article_left_alone_joins_its_story_on_the_second_look() -> None:
    """Undated articles come in no telling order: one left alone is placed again once the batch is in."""
    undated = [replace(doc, published_at=None) for doc in dam_docs()]
    # A first bar no story can pass leaves every report alone (copies still join theirs).
    strict = ClusterConfig(centroid_threshold=1.01)
    alone = StoryClusterer(replace(strict, undated_second_look=False)).add_many(undated, workers=0)
    assert len({a.story_key for a in alone}) == 5  # the dam report and its 3 copies, and 4 others
    result = {a.id: a for a in StoryClusterer(strict).add_many(undated, workers=0)}
    assert len({result[i].story_key for i in range(1, 7)}) == 1
    assert result[7].story_key == result[8].story_key != result[1].story_key
    # The dam report has copies, so it stays; the others moved to it and say so.
    assert result[1].relation == "origin" and "second_look" not in result[1].evidence
    for moved in (result[2], result[6], result[7]):
        assert not moved.new_story and moved.relation != "origin"
        assert moved.evidence["second_look"] is True
    assert (result[6].relation, result[6].related_to) == ("rewrite", 1)
    # Dated articles are not looked at again: their order is time.
    dated_strict = replace(strict, dated_centroid_threshold=1.01, close_centroid_threshold=1.01)
    dated = StoryClusterer(dated_strict).add_many(dam_docs(), workers=0)
    assert len({a.story_key for a in dated}) == 5


_BRIEF = Doc(
    id=9, url="https://brief.example/orvenmouth", source="brief", published_at=None,
    title="Orvenmouth evacuees sleep in sports halls",
    text=(
        "Sports halls in Orvenmouth took in thousands of people overnight after the wall of the "
        "Tessaly reservoir collapsed and flooded the mill district. Mayor Idris Halloran called the "
        "evacuation orderly. Brackwater rescue teams pumped out cellars on Cooper Lane and volunteers "
        "handed out blankets to about 3,400 displaced residents."
    ),
)


def test_a_small_undated_story_joins_a_larger_one_clearly_closer_on_the_second_look() -> None:
    """Two reports that came first and found each other join the event's main story afterwards."""
    docs = {doc.id: replace(doc, published_at=None) for doc in dam_docs()}
    order = [docs[2], _BRIEF, *(docs[i] for i in (1, 3, 4, 5, 6, 7, 8))]
    config = ClusterConfig(centroid_threshold=0.6)  # the pair (2, 9) is refused the main story

    def place(config: ClusterConfig) -> tuple[dict, dict]:
        clusterer = StoryClusterer(config)
        first = {doc.id: clusterer.add(doc) for doc in order}
        return first, clusterer.look_again(order)

    first, moved = place(config)
    assert first[2].story_key == first[9].story_key != first[1].story_key
    assert moved[2].story_key == moved[9].story_key == first[1].story_key
    assert {moved[2].related_to, moved[9].related_to} == {9, 2} and moved[2].evidence["second_look"]
    # The other event's pair stays apart: the main story is not close enough to it.
    assert 7 not in moved and 8 not in moved
    assert first[7].story_key == first[8].story_key != first[1].story_key
    # Fragments of at most one article: the pair stays a story of its own.
    _, alone = place(replace(config, fragment_size=1))
    assert 2 not in alone and 9 not in alone
