"""Fictional articles, written for the tests, about two dam breaches in made-up towns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipelines.stories.types import Doc

T0 = datetime(2031, 3, 4, 6, 0, tzinfo=UTC)

QUOTE_ONE = (
    "We moved every family out of the lower streets before midnight and nobody was left "
    "behind in the dark"
)
QUOTE_TWO = (
    "the spillway gates had been jammed for weeks and the warnings from our engineers were "
    "simply ignored by the water board"
)

ORIGIN_TEXT = (
    "ORVENMOUTH — The Tessaly dam above Orvenmouth gave way late on Tuesday, sending a wall of "
    "water through the old mill district and forcing about 3,400 residents from their homes. "
    f"Mayor Idris Halloran said: \"{QUOTE_ONE}.\" Emergency crews from Brackwater and Lune "
    "worked through the night to reinforce the embankment along Cooper Lane. "
    f"A retired inspector, Maren Oduya, told reporters that \"{QUOTE_TWO}.\" "
    "The regional governor has ordered an inquiry into the maintenance of the Tessaly dam, "
    "and schools in Orvenmouth will stay closed until Friday."
)

INDEPENDENT_TEXT = (
    "Thousands of people in Orvenmouth spent the night in sports halls after the Tessaly "
    "reservoir wall collapsed, flooding the mill district. Idris Halloran, the town's mayor, "
    "described the evacuation as orderly. Rescue teams from Brackwater pumped water out of "
    "cellars on Cooper Lane while volunteers handed out blankets. Officials put the number "
    "of displaced residents at roughly 3,400 and promised an inquiry into the Tessaly dam."
)

REWRITE_TEXT = (
    "Orvenmouth counts the cost: questions grow over Tessaly dam upkeep. "
    "A day after the breach, residents of the mill district returned to find mud in their "
    f"kitchens. Mayor Halloran repeated that \"{QUOTE_ONE},\" as he toured Cooper Lane. "
    f"Critics pointed to the claim by Maren Oduya that \"{QUOTE_TWO}.\" "
    "Insurers said claims could take months, and the governor's inquiry is due to begin next week."
)

OTHER_EVENT_TEXT = (
    "KESSRICK — An earth embankment on the Varrow canal burst on Thursday morning near "
    "Kessrick, flooding 60 farms and cutting the railway line to Dunmere. Councillor Petra "
    "Vasquez-Lund said 210 people had been moved to the grammar school. Canal engineers "
    "blamed heavy rain on saturated clay. The Varrow breach is the second flood in the county "
    "this winter, and the national water board promised an inquiry."
)

OTHER_EVENT_FOLLOWUP = (
    "Farmers near Kessrick began clearing silt from their fields after the Varrow canal "
    "embankment failed. Petra Vasquez-Lund, who chairs the council, said trains to Dunmere "
    "would run again by the weekend. About 210 evacuees remain at the grammar school."
)


def dam_docs() -> list[Doc]:
    """Return the test articles: one event with every relation kind, and a second event."""
    return [
        Doc(id=1, url="https://courier.example/news/tessaly-dam", source="courier",
            title="Tessaly dam breach floods Orvenmouth", text=ORIGIN_TEXT, published_at=T0),
        Doc(id=2, url="https://gazette.example/orvenmouth-flood", source="gazette",
            title="Night in the sports halls as Orvenmouth floods", text=INDEPENDENT_TEXT,
            published_at=T0 + timedelta(hours=2)),
        Doc(id=3, url="https://wire.example/a/991", source="wire",
            title="Tessaly dam gives way above Orvenmouth", text=ORIGIN_TEXT,
            published_at=T0 + timedelta(hours=3)),
        Doc(id=4, url="https://Courier.example/news/tessaly-dam/?utm_source=feed&fbclid=x1",
            source="courier", title="Tessaly dam breach floods Orvenmouth", text=ORIGIN_TEXT,
            published_at=T0 + timedelta(hours=4)),
        Doc(id=5, url="https://courier.example/news/tessaly-dam-updated", source="courier",
            title="Tessaly dam breach floods Orvenmouth (updated)",
            text=ORIGIN_TEXT.replace("until Friday.", "until next Monday, officials said later.")
            .replace("late on Tuesday", "shortly before midnight on Tuesday"),
            published_at=T0 + timedelta(hours=6)),
        Doc(id=6, url="https://digest.example/orvenmouth-counts-cost", source="digest",
            title="Orvenmouth counts the cost of the Tessaly dam breach", text=REWRITE_TEXT,
            published_at=T0 + timedelta(days=1)),
        Doc(id=7, url="https://gazette.example/kessrick-canal", source="gazette",
            title="Varrow canal bursts near Kessrick", text=OTHER_EVENT_TEXT,
            published_at=T0 + timedelta(days=2)),
        Doc(id=8, url="https://courier.example/kessrick-silt", source="courier",
            title="Kessrick farmers clear silt after canal breach", text=OTHER_EVENT_FOLLOWUP,
            published_at=T0 + timedelta(days=2, hours=5)),
    ]
