"""Story text of the demo news site: fictional outlets, events and articles, written for the project.

Everything here is invented: the countries (Corvel, Astrana), the Veltra River, the outlets,
the people and their quotes. Nothing is copied from the seed pages or any real article.

``STORIES`` describes the story design the dedup and clustering tests rely on; ``PAGES`` holds
one ``PageSpec`` per URL the site links to (real articles, non-article pages dressed as
articles, and deliberate failures). ``storyline.demo_site.site`` turns them into dated
manifest entries.
"""

# ruff: noqa: E501

from __future__ import annotations

from dataclasses import dataclass, field

# --- Outlets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outlet:
    """A fictional outlet served under ``/<slug>/`` on the demo server."""

    slug: str
    name: str
    feed_format: str  # "rss2", "atom", "rdf", "rss2-relative", "json" (JSON Feed 1.1)
    feed_path: str
    utc_offset_minutes: int  # local time used in JSON-LD dates and bylines
    sections: tuple[str, ...]
    hub_sections: tuple[str, ...]  # sections whose index page the demo config crawls as hubs
    json_ld_article_body: bool  # only some outlets put articleBody into their JSON-LD
    news_sitemap: bool
    extra_feed_paths: tuple[str, ...] = ()  # feeds that exist but are broken on purpose
    tagline: str = ""
    # Configured by its homepage alone: the crawl discovers its feed (declared on the front
    # page), its hubs (the front page's navigation) and its sitemap (robots.txt).
    homepage_only: bool = False


OUTLETS: tuple[Outlet, ...] = (
    Outlet(
        slug="harbor-herald",
        name="Harbor Herald",
        feed_format="rss2",
        feed_path="/harbor-herald/feed.xml",
        utc_offset_minutes=0,
        sections=("world", "local", "business"),
        hub_sections=("world", "local"),
        json_ld_article_body=True,
        news_sitemap=True,
        tagline="News from the harbour and beyond",
    ),
    Outlet(
        slug="northgate-post",
        name="Northgate Post",
        feed_format="atom",
        feed_path="/northgate-post/atom.xml",
        utc_offset_minutes=-300,
        sections=("politics", "city", "video"),
        hub_sections=("politics",),
        json_ld_article_body=False,
        news_sitemap=False,
        tagline="Independent since 1921",
    ),
    Outlet(
        slug="valley-wire",
        name="Valley Wire",
        feed_format="rdf",
        feed_path="/valley-wire/index.rdf",
        utc_offset_minutes=120,
        sections=("region", "culture"),
        hub_sections=("region", "culture"),
        json_ld_article_body=True,
        news_sitemap=False,
        extra_feed_paths=("/valley-wire/feeds/breaking.xml",),
        tagline="The valley, every hour",
    ),
    Outlet(
        slug="meridian-daily",
        name="Meridian Daily",
        feed_format="rss2-relative",
        feed_path="/meridian-daily/rss",
        utc_offset_minutes=330,
        sections=("news", "science", "life"),
        hub_sections=("news",),
        json_ld_article_body=False,
        news_sitemap=True,
        tagline="Read it first in the Daily",
    ),
    Outlet(
        slug="lakeside-courier",
        name="Lakeside Courier",
        feed_format="json",
        feed_path="/lakeside-courier/feed.json",
        utc_offset_minutes=60,
        sections=("town", "outdoors"),
        hub_sections=("town", "outdoors"),
        json_ld_article_body=True,
        news_sitemap=False,
        tagline="Small town, big lake",
        homepage_only=True,
    ),
)

OUTLETS_BY_SLUG: dict[str, Outlet] = {outlet.slug: outlet for outlet in OUTLETS}

# --- Story design ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """One fictional news event and how the outlets covered it.

    ``pages`` lists page keys (see ``PAGES``) in publication order. ``must_not_join`` names
    events on the same broad topic that a clusterer must keep apart from this one.
    ``shared_quotes`` are direct quotes copied verbatim from the origin into the rewrite.
    """

    event_key: str
    summary: str
    pages: tuple[str, ...]
    shared_quotes: tuple[str, ...] = ()
    shared_figures: tuple[str, ...] = ()
    must_not_join: tuple[str, ...] = ()


# Quotes of the first round of the Veltra talks; the Northgate Post rewrite re-uses them verbatim.
ROUND1_QUOTE_RENIK = (
    "The fact that both delegations sat at the same table for eleven hours and left with a "
    "shared list of open questions is, in itself, a step we did not expect to take this month."
)
ROUND1_QUOTE_VORN = (
    "We will not sign anything that leaves our farmers guessing how much water reaches them in "
    "August, and if the other side cannot move on the summer quota, these talks will simply run "
    "out of road."
)
ROUND1_QUOTE_HALVORSEN = (
    "Nobody should mistake a calmer tone for a finished agreement; the hardest numbers are still "
    "in front of us, and they will be settled only when both capitals are ready to carry the "
    "political cost."
)

# Quotes of the second round (a different event); the Meridian Daily rewrite re-uses them.
ROUND2_QUOTE_MAAS = (
    "We came here to build a calendar, and we are leaving with a quarrel about a single number."
)
ROUND2_QUOTE_MAAS_RETURN = "as soon as the threshold is treated as a starting point and not a verdict"

# The Aldenburg fire chief's words; the Harbor Herald rewrite of the fire re-uses them.
ALDENBURG_FIRE_QUOTE = (
    "The roof went within twenty minutes, and the only reason nobody was hurt is that the night "
    "shift walked out the moment the alarm sounded instead of trying to save the stock."
)
ALDENBURG_OWNER_QUOTE = (
    "We will pay every one of our people while the damage is counted, and we mean to be making "
    "paint again in a borrowed hall before the end of next month."
)

VELTRA_TOPIC = ("veltra-talks-round1", "veltra-talks-round2", "veltra-pumping-flood")

STORIES: tuple[Story, ...] = (
    Story(
        event_key="veltra-talks-round1",
        summary=(
            "(a) First round of Corvel-Astrana talks on the Veltra River. Origin by the Harbor "
            "Herald; rewritten a day later by the Northgate Post in its own words, re-using three "
            "long quotes verbatim and the same figures (38/45 percent, 26 canals, 1,140 km, 2.3 "
            "million people, eleven hours)."
        ),
        pages=("hh-veltra-round1", "np-veltra-round1"),
        shared_quotes=(ROUND1_QUOTE_RENIK, ROUND1_QUOTE_VORN, ROUND1_QUOTE_HALVORSEN),
        shared_figures=(
            "38 percent",
            "45 percent",
            "26 irrigation canals",
            "1,140 kilometres",
            "2.3 million",
        ),
        must_not_join=("veltra-talks-round2", "veltra-pumping-flood"),
    ),
    Story(
        event_key="veltra-talks-round2",
        summary=(
            "(b) A later, different event on the same topic: the second round breaks down over a "
            "drought clause. Origin by Valley Wire; rewritten hours later by Meridian Daily "
            "re-using the Maas quotes. Must not join round 1."
        ),
        pages=("vw-veltra-round2", "md-veltra-round2"),
        shared_quotes=(ROUND2_QUOTE_MAAS, ROUND2_QUOTE_MAAS_RETURN),
        shared_figures=("410 cubic metres per second", "four hours", "nine weeks"),
        must_not_join=("veltra-talks-round1", "veltra-pumping-flood"),
    ),
    Story(
        event_key="veltra-pumping-flood",
        summary=(
            "(b) Hard negative: a flooded pumping station on the Veltra, same places and people "
            "as the talks but a different event, one outlet only."
        ),
        pages=("hh-pumping-flood",),
        must_not_join=("veltra-talks-round1", "veltra-talks-round2"),
    ),
    Story(
        event_key="astrolabe-recovered",
        summary=(
            "(c) Wire copy from the fictional Continental Press Service, syndicated verbatim by "
            "Valley Wire and Meridian Daily (Meridian drops the last paragraph); both pages have "
            "role 'copy' and are near-duplicates."
        ),
        pages=("vw-astrolabe", "md-astrolabe"),
    ),
    Story(
        event_key="gull-point-lighthouse",
        summary=(
            "(d) Linked with tracking parameters from the Harbor Herald feed (utm_*) and hub "
            "(fbclid) as well as by its clean URL."
        ),
        pages=("hh-lighthouse",),
    ),
    Story(
        event_key="northgate-bike-lanes",
        summary="(e) Edited after publication: dateModified a day later, with a correction line.",
        pages=("np-bike-lanes",),
    ),
    Story(
        event_key="aldenburg-factory-fire",
        summary=(
            "(f) A fire at a paint factory in Aldenburg (Corvel), fire chief Oskar Lindqvist. "
            "Origin by Valley Wire; rewritten the same day by the Harbor Herald in its own words "
            "with the chief's and the owner's quotes. Must not join the Oldhaven fire, the same kind of event "
            "reported the same day in another city with other officials."
        ),
        pages=("vw-aldenburg-fire", "hh-aldenburg-fire"),
        shared_quotes=(ALDENBURG_FIRE_QUOTE, ALDENBURG_OWNER_QUOTE),
        must_not_join=("oldhaven-factory-fire",),
    ),
    Story(
        event_key="oldhaven-factory-fire",
        summary=(
            "(f) Hard negative of the Aldenburg fire: a fire at a textile factory in Oldhaven "
            "(Astrana) the same day, fire officer Greta Halloran, one outlet (Northgate Post)."
        ),
        pages=("np-oldhaven-fire",),
        must_not_join=("aldenburg-factory-fire",),
    ),
)

# --- Pages -----------------------------------------------------------------------------------

# Page kinds. Only "article" pages carry a story; the others are linked as if they were.
ARTICLE = "article"
LIVEBLOG = "liveblog"
VIDEO = "video"
PAYWALL = "paywall"
MISSING = "missing"  # linked, answers 404
ERROR = "error"  # linked, answers 500
DISALLOWED = "disallowed"  # linked, under the robots.txt-disallowed /private/ path

ROLE_ORIGIN = "origin"
ROLE_REWRITE = "rewrite"
ROLE_COPY = "copy"
ROLE_INDEPENDENT = "independent"


@dataclass(frozen=True)
class PageSpec:
    """One page the site links to as an article, before dates are attached.

    ``day`` is the offset from the anchor date (-2, -1 or 0); ``at`` is the nominal UTC time of
    day of publication (today's pages are squeezed before "now", see ``site.py``).
    ``modified_after_hours`` makes ``dateModified`` later than ``datePublished``.
    ``tracking_links`` are extra query strings the feed or hub link to this page with.
    """

    key: str
    outlet: str
    day: int
    at: tuple[int, int]
    slug: str
    section: str
    title: str
    description: str
    byline: str
    authors: tuple[str, ...]
    paragraphs: tuple[str, ...] = ()
    headings: dict[int, str] = field(default_factory=dict)  # paragraph index -> heading before it
    event_key: str | None = None
    role: str = ROLE_INDEPENDENT
    kind: str = ARTICLE
    modified_after_hours: float = 0.0
    correction: str = ""
    author_box: str = ""
    comment_form: bool = False
    in_feed: bool = True
    in_sitemap: bool = True
    feed_tracking_query: str = ""
    hub_tracking_query: str = ""
    private: bool = False


def _paras(text: str) -> tuple[str, ...]:
    """Split a block of text into paragraphs on blank lines, joining wrapped lines."""
    return tuple(" ".join(block.split()) for block in text.strip().split("\n\n") if block.strip())


WIRE_ASTROLABE = _paras(
    """
OSTWICK — A brass astrolabe stolen from the Ostwick Maritime Museum six years ago has been found wrapped in a bath towel inside a rented storage unit on the edge of the city, police said.

The instrument, made around 1640 and once used to measure the height of stars above the horizon at sea, disappeared during a weekend in which the museum's alarm system was being replaced. It was the most valuable object in the museum's navigation gallery and had been insured for 1.2 million crowns.

Detective Inspector Hanna Brisk said officers were called to the storage site after the unit's tenant stopped paying rent and the company that runs the site opened it to clear its contents. A worker recognised the instrument from a poster the museum had circulated to antique dealers.

"It was sitting between a broken lawnmower and a box of old records," Brisk said. "Whoever put it there knew exactly what it was, because the towel had been folded with real care."

No arrests have been made. Police said they were trying to trace the tenant, who had rented the unit under a name that does not appear in any national register.

Museum director Aurelio Stanescu said conservators would examine the astrolabe before it goes back on display. A first inspection found a bent pointer and light scratches on the back plate, but no missing parts.

"We had started to believe it had been melted down," Stanescu said. "To see it again, almost unharmed, is the best news this building has had in a decade."

The museum plans to show the instrument in a temporary exhibition on maritime theft later in the year, alongside a chart and a pocket compass that were taken in the same break-in and are still missing.
"""
)

PAGES: tuple[PageSpec, ...] = (
    # ---------------------------------------------------------------- Harbor Herald (RSS 2.0)
    PageSpec(
        key="hh-veltra-round1",
        outlet="harbor-herald",
        day=-2,
        at=(15, 20),
        slug="veltra-water-talks-show-first-signs-of-progress",
        section="world",
        title="Veltra water talks show first signs of progress, envoy says",
        description="Corvel and Astrana end their first direct round of talks on sharing the Veltra River with working groups but no deal.",
        byline="By Elena Marsh and Omar K. Reyes, Staff Writers",
        authors=("Elena Marsh", "Omar K. Reyes"),
        event_key="veltra-talks-round1",
        role=ROLE_ORIGIN,
        comment_form=True,
        paragraphs=_paras(
            f"""
PORT SERAVIN — Negotiators from Corvel and Astrana have ended the first direct round of talks on sharing the water of the Veltra River with what the mediator called modest but real progress, after two days of closed-door meetings in the port city of Seravin.

The talks, hosted by the Northern Rivers Commission, are the first time the two governments have negotiated face to face since a dispute over the river's summer flow flared three years ago. About 2.3 million people on both banks depend on the Veltra for drinking water and irrigation, and farmers downstream in Astrana say their share has fallen with every dry season.

Tomas Renik, spokesman for the Corvel delegation, told reporters outside the commission building: "{ROUND1_QUOTE_RENIK}"

Astrana currently receives about 38 percent of the river's summer flow under a 1987 arrangement that both sides describe as outdated. Its delegation is asking for 45 percent, along with joint control of the gates at the Dunmere barrage, which regulates the water reaching 26 irrigation canals on the lower river.

Astrana's agriculture minister, Dalia Vorn, struck a more cautious note. "{ROUND1_QUOTE_VORN}"

The mediator, Inge Halvorsen, said the delegations had agreed to set up two technical working groups, one on flow measurement and one on drought planning, which will report back before the next round. "{ROUND1_QUOTE_HALVORSEN}"

The Veltra runs about 1,140 kilometres from the Karsk highlands to the sea, and for most of that length it forms the border between the two countries. Monitoring stations along the river recorded the lowest August levels in four decades last year.

Officials did not give a date for the next meeting, but two people familiar with the schedule said a second round could take place within days.

Staff writer Lena Ostrova contributed reporting from Dunmere.
"""
        ),
    ),
    PageSpec(
        key="hh-ferry-timetable",
        outlet="harbor-herald",
        day=-2,
        at=(8, 5),
        slug="harbour-ferries-to-add-late-night-crossings",
        section="local",
        title="Harbour ferries to add late-night crossings from next month",
        description="The ferry operator will run boats until 1 a.m. on weekends after a two-year campaign by shift workers.",
        byline="By Priya Castellanos",
        authors=("Priya Castellanos",),
        paragraphs=_paras(
            """
Ferries across the inner harbour will run until 1 a.m. on Fridays and Saturdays from next month, the operator announced, ending a two-year campaign by hospital and hotel staff who finish work after the last boat has gone.

Bluewater Crossings said the new timetable would add six sailings a week between the Quay Street terminal and Saltmarsh pier. The last departure on weekday nights will also move from 10.40 p.m. to 11.30 p.m.

"We have listened to the people who keep this city running at night," said the company's operations director, Colm Feeney. "A nurse finishing a late shift should not have to choose between a forty-minute walk and an expensive taxi."

The extra crossings will cost about 410,000 a year to run. The harbour authority has agreed to cover half of that for an initial eighteen months, after which the service will be reviewed against passenger numbers.

Campaigners welcomed the change but said it did not go far enough. Rosa Adeyemi, who started a petition that gathered more than 7,000 signatures, said Sunday nights had been left out even though many shifts end then too.

"It is a good start, and I am grateful," she said. "But the people who work Sunday nights are the same people, and they are still stranded."

Bluewater said it would consider Sunday sailings in the review. The operator also plans to replace two of its oldest boats with electric vessels within three years, which it says will cut running costs and make later services easier to justify.

Fares will not change under the new timetable.
"""
        ),
    ),
    PageSpec(
        key="hh-pumping-flood",
        outlet="harbor-herald",
        day=-1,
        at=(9, 10),
        slug="flooded-pumping-station-cuts-water-to-30000-homes",
        section="world",
        title="Flooded pumping station cuts water to 30,000 homes on the lower Veltra",
        description="A burst embankment swamped the Tessel pumping station in Astrana, leaving towns on the lower Veltra without running water.",
        byline="By Omar K. Reyes | Harbor Herald",
        authors=("Omar K. Reyes",),
        event_key="veltra-pumping-flood",
        paragraphs=_paras(
            """
TESSEL, Astrana — About 30,000 homes on the lower bank of the Veltra River were without running water after floodwater poured into the Tessel pumping station overnight, knocking out all four of its main pumps, the regional water company said.

An earth embankment protecting the station gave way shortly after 2 a.m., following three days of heavy rain in the hills to the north. Engineers said the water inside the pump hall reached a depth of 1.8 metres before it could be drained.

The station supplies the towns of Tessel, Marrow Ford and Ilvane, as well as a large hospital that switched to tanks brought in by the army. The company set up twenty water distribution points and asked residents to boil any water drawn from private wells.

"We are talking days, not hours," said Ruta Kaminskaite, the company's chief engineer, standing beside a row of mud-caked motors. "Every pump has to be stripped, dried and tested before we can switch it back on."

Local officials said the embankment had been listed for repair in a budget two years ago but the work was never carried out. The regional governor ordered an inquiry.

The flooding came days after Corvel and Astrana began talks on how to share the river, and politicians on both sides were quick to point to it. Corvel's government offered to send mobile pumps across the border, an offer Astrana said it was considering.

The station's operators said they hoped to restore a partial supply to the hospital first, followed by the three towns in stages over the coming week.
"""
        ),
    ),
    PageSpec(
        key="hh-lighthouse",
        outlet="harbor-herald",
        day=-1,
        at=(12, 45),
        slug="gull-point-lighthouse-restoration-finishes-early",
        section="local",
        title="Gull Point lighthouse restoration finishes two months early",
        description="The 1871 lighthouse will reopen to visitors after volunteers and stonemasons finished repairs ahead of schedule.",
        byline="Words by Priya Castellanos · Photos by Dara Quill",
        authors=("Priya Castellanos",),
        event_key="gull-point-lighthouse",
        feed_tracking_query="utm_source=rss&utm_medium=feed&utm_campaign=local",
        hub_tracking_query="fbclid=IwAR0demoClickId42&utm_source=facebook&utm_medium=social",
        paragraphs=_paras(
            """
The Gull Point lighthouse, a white stone tower that has guided boats into the harbour since 1871, will reopen to visitors at the end of the month after a restoration that finished two months ahead of schedule.

Work began last spring, when inspectors found that salt had eaten into the iron frame of the lantern room and that water was seeping through cracks in the upper walls. The tower was closed and wrapped in scaffolding for most of the year.

The Gull Point Trust, which looks after the building, said 214 volunteers had given more than 9,000 hours of their time, scraping paint, sorting salvaged glass and guiding visitors around the site while the work went on. Two specialist stonemasons replaced 63 damaged blocks with granite from the same quarry that supplied the original tower.

"The sea has been trying to take this tower apart for 150 years," said the trust's chair, Morwenna Pike. "This time we got ahead of it, and we had help from half the town."

The project cost 2.6 million, most of it raised from a heritage fund and local businesses. A smaller share came from a public appeal that brought in donations from as far away as the other side of the world, mostly from former residents.

The lamp itself has been automated since the 1980s and never stopped working during the restoration, the trust said. Visitors will be able to climb the 112 steps to the gallery on weekends and school holidays.

A small exhibition in the former keeper's cottage will tell the stories of the families who lived at the point before the light was automated.
"""
        ),
    ),
    PageSpec(
        key="hh-port-cargo",
        outlet="harbor-herald",
        day=0,
        at=(7, 30),
        slug="port-cargo-volumes-rise-for-third-quarter-in-a-row",
        section="business",
        title="Port cargo volumes rise for third quarter in a row",
        description="Container traffic through the harbour grew 6 percent, helped by a new rail link to the inland freight hub.",
        byline="BY DANIEL OKORO, BUSINESS EDITOR",
        authors=("Daniel Okoro",),
        paragraphs=_paras(
            """
Cargo moving through the harbour rose for a third consecutive quarter, the port authority said, as a new rail connection to the inland freight hub drew shipping lines that had previously bypassed the city.

The port handled 418,000 containers in the three months to the end of last month, up 6 percent on the same period a year earlier. Bulk cargo, mainly grain and timber, was flat.

Port director Ines Valcourt said the rail link, which opened in the spring, had cut the time it takes to move a container from ship to warehouse from two days to about nine hours. Two shipping lines have added the harbour to their routes since then.

"Shipping lines go where the boxes move fastest," Valcourt said. "For years we were losing business because our cargo sat on the quay waiting for trucks. That is no longer the case."

The growth has brought its own problems. Residents of the streets near the container terminal have complained about noise from night-time loading, and the city council has asked the port to publish a plan for quieter equipment.

Union representatives said the extra work had been welcome but warned that crane operators were being asked to work too many overtime shifts. The port said it was recruiting forty additional staff and expected to have them in place before the winter.

The authority forecast that volumes would keep rising next year, though at a slower pace, and said it would decide in the spring whether to go ahead with a long-delayed extension of the northern quay.
"""
        ),
    ),
    PageSpec(
        key="hh-storm-liveblog",
        outlet="harbor-herald",
        day=0,
        at=(9, 0),
        slug="live-storm-orla-latest-updates",
        section="local",
        title="Live: Storm Orla brings gales to the coast — latest updates",
        description="Follow our live coverage as Storm Orla reaches the coast.",
        byline="Live coverage by the Harbor Herald newsroom",
        authors=("Harbor Herald newsroom",),
        kind=LIVEBLOG,
        paragraphs=_paras(
            """
09:55 — Harbour master closes the outer moorings until further notice.

09:40 — Ferries suspended on the Saltmarsh route. Bluewater Crossings says it will update at noon.

09:20 — Gusts of 96 km/h recorded at Gull Point, according to the weather office.

09:05 — Good morning and welcome to our live coverage. Storm Orla is expected to bring the strongest winds of the season this afternoon.
"""
        ),
    ),
    PageSpec(
        key="hh-private-embargo",
        outlet="harbor-herald",
        day=-1,
        at=(18, 0),
        slug="embargoed-harbour-budget-draft",
        section="business",
        title="Embargoed: harbour authority budget draft",
        description="Internal preview; not for publication.",
        byline="Harbor Herald business desk",
        authors=("Harbor Herald business desk",),
        kind=DISALLOWED,
        private=True,
        in_feed=False,
        in_sitemap=False,
        paragraphs=("This draft is under embargo and must not be crawled.",),
    ),
    # ---------------------------------------------------------------- Northgate Post (Atom)
    PageSpec(
        key="np-bike-lanes",
        outlet="northgate-post",
        day=-2,
        at=(16, 40),
        slug="council-approves-protected-bike-lanes",
        section="city",
        title="Council approves 14 kilometres of protected bike lanes",
        description="Northgate's council voted 9-4 for a network of protected bike lanes on five main roads.",
        byline="MARTA OYELARAN | Northgate Post",
        authors=("Marta Oyelaran",),
        event_key="northgate-bike-lanes",
        modified_after_hours=20.5,
        correction="Correction: An earlier version of this article gave the wrong vote count. The council voted 9-4, not 8-5.",
        author_box="Marta Oyelaran covers city hall, transport and the environment for the Northgate Post.",
        comment_form=True,
        paragraphs=_paras(
            """
Northgate's city council voted 9-4 to build 14 kilometres of protected bike lanes on five of the city's busiest roads, the largest change to the street layout in a generation.

The lanes will be separated from traffic by low concrete kerbs and planters. Work will start on Mill Road and Canal Street in the spring, with the remaining routes — Station Avenue, the Eastway and the old Market Road — to follow over two years.

Supporters on the council said the plan would make cycling safe for people who currently do not dare. Councillor Ade Mbatha, who chairs the transport committee, said cycle counts on the one existing protected lane had tripled since it opened.

"When you build a lane that a twelve-year-old can use, twelve-year-olds use it," Mbatha said during the debate. "So do their grandparents."

Opponents argued that the plan would remove about 600 parking spaces and hurt shops on Market Road. Councillor Felicity Grange said traders had not been properly consulted and warned that some would not survive the construction period.

The city has set aside 11 million for the project, two thirds of it from a national active travel fund. Officials said they would work with businesses on delivery bays and would review parking on side streets before construction starts.

A cycling group that campaigned for the lanes called the vote historic. A traders' association said it would ask the council to phase the works so that no more than one shopping street is dug up at a time.

The council will publish detailed designs for consultation in the coming weeks.
"""
        ),
    ),
    PageSpec(
        key="np-veltra-round1",
        outlet="northgate-post",
        day=-1,
        at=(13, 5),
        slug="after-seravin-round-veltra-talks-to-continue",
        section="politics",
        title="After Seravin Round Ends Without a Deal, Veltra Water Talks Set to Continue This Week",
        description="No agreement yet between Corvel and Astrana, but working groups and a second round are planned.",
        byline="By Marta Oyelaran",
        authors=("Marta Oyelaran",),
        event_key="veltra-talks-round1",
        role=ROLE_REWRITE,
        author_box="Marta Oyelaran covers regional politics and the environment for the Northgate Post. Send tips to the newsroom.",
        comment_form=True,
        headings={
            1: "What was agreed?",
            3: "Where do the two sides still disagree?",
            6: "What happens next?",
        },
        paragraphs=_paras(
            f"""
The first direct negotiations between Corvel and Astrana over the Veltra River have closed in Port Seravin without an agreement, but both governments say they will keep talking, and a second round is expected before the end of the week.

Very little was settled on paper. The two delegations, meeting under the auspices of the Northern Rivers Commission, signed no document. They did agree to form two technical working groups — one to settle how the river's flow should be measured and one to draft rules for drought years. In a short statement published overnight, the commission described the atmosphere as businesslike.

Corvel's chief spokesman, Tomas Renik, presented the meeting itself as the achievement. "{ROUND1_QUOTE_RENIK}"

The central dispute is the summer quota. Under an arrangement dating from 1987, Astrana receives roughly 38 percent of the Veltra's flow in the summer months; it wants that raised to 45 percent and is also seeking a joint say over the Dunmere barrage, which feeds 26 irrigation canals downstream.

Astrana's agriculture minister, Dalia Vorn, made it plain that patience in her capital is running short. "{ROUND1_QUOTE_VORN}"

Around 2.3 million people rely on the river, which stretches some 1,140 kilometres from the Karsk highlands to the coast and marks the border for most of its course.

The working groups are due to hold their first session before the delegations return. The commission's mediator, Inge Halvorsen, warned against reading too much into the friendlier mood. "{ROUND1_QUOTE_HALVORSEN}"

Diplomats in both capitals noted that the eleven hours of talks ran longer than many had expected, but said a full deal before the next dry season still looked unlikely.
"""
        ),
    ),
    PageSpec(
        key="np-library-hours",
        outlet="northgate-post",
        day=-1,
        at=(7, 50),
        slug="central-library-extends-opening-hours-for-exams",
        section="city",
        title="Central library to stay open until midnight during exam season",
        description="Students will be able to study at Northgate Central Library until midnight for six weeks.",
        byline="By Sam Whitlow, Education Reporter",
        authors=("Sam Whitlow",),
        author_box="Sam Whitlow writes about schools, universities and libraries.",
        paragraphs=_paras(
            """
Northgate Central Library will stay open until midnight on weekdays for six weeks during the exam season, after students complained that there was nowhere quiet to study in the evenings.

The pilot, which starts next week, will keep the second and third floors open with reduced staffing and security at the entrance. The children's library and the archive will close at the usual time of 8 p.m.

Head librarian Noor Haddad said the idea came from a survey of 1,300 students, most of whom said they shared a bedroom or lived in homes without a desk.

"A library is one of the last places where you can sit for hours without buying anything," Haddad said. "For a lot of young people, that quiet table is the difference between passing and not."

The extra hours will cost about 85,000, paid from a council fund for youth services. The library will count visitors each night and decide in the summer whether to repeat the scheme or make it permanent.

Student union representatives said they hoped the later hours would be extended to weekends. Some residents on the square outside the library raised concerns about late-night noise, and the council said it would place extra wardens in the area for the first fortnight.

The library will also offer free tea and coffee after 9 p.m., donated by a local roaster, and has reserved a room for group revision that can be booked online.

Wi-Fi and the computer suite will remain available throughout the extended opening, the council said.
"""
        ),
    ),
    PageSpec(
        key="np-transit-fares",
        outlet="northgate-post",
        day=0,
        at=(10, 15),
        slug="transit-fares-frozen-for-another-year",
        section="politics",
        title="Northgate transit fares frozen for another year",
        description="Bus and tram fares will stay at current levels after the regional transport board approved a one-year freeze.",
        byline="By Sam Whitlow and Marta Oyelaran",
        authors=("Sam Whitlow", "Marta Oyelaran"),
        paragraphs=_paras(
            """
Bus and tram fares in Northgate will not rise next year after the regional transport board voted to extend a freeze that has been in place since the start of last year.

A single journey will stay at 2.10 and a monthly pass at 58. Board members said the freeze would cost about 4 million, which will be covered from reserves and a larger grant from the regional government.

The board's chair, Gideon Farrow, said passenger numbers had grown by 9 percent since the freeze began and that raising prices now would undo that progress.

"People changed their habits because the price was fair and predictable," Farrow said. "If we put fares up now, we would be punishing exactly the people we persuaded to leave the car at home."

The decision was not unanimous. Two board members argued that the money would be better spent on more frequent services in the outer districts, where some buses run only once an hour. A report presented at the meeting showed that waiting times, not prices, were the most common complaint in passenger surveys.

Farrow said the board would publish a plan in the spring to improve frequencies on six routes, including the orbital line that links the hospital with the northern estates.

The new tram depot, which opened last month, will allow the network to run two more trams at peak times from the summer, officials said.

Fares for students and pensioners, which are already discounted, will also remain unchanged.
"""
        ),
    ),
    PageSpec(
        key="np-tram-video",
        outlet="northgate-post",
        day=0,
        at=(8, 20),
        slug="video-inside-the-new-tram-depot",
        section="video",
        title="Video: A minute inside Northgate's new tram depot",
        description="Watch: how the new depot keeps the city's trams running.",
        byline="Northgate Post Video",
        authors=("Northgate Post Video",),
        kind=VIDEO,
        paragraphs=("Watch: a short tour of the new depot with the night maintenance crew.",),
    ),
    PageSpec(
        key="np-server-error",
        outlet="northgate-post",
        day=-1,
        at=(19, 30),
        slug="council-budget-live-results",
        section="politics",
        title="Council budget: results by ward",
        description="",
        byline="",
        authors=(),
        kind=ERROR,
        in_feed=False,
        in_sitemap=False,
    ),
    # ---------------------------------------------------------------- Valley Wire (RSS 1.0/RDF)
    PageSpec(
        key="vw-frost-vineyards",
        outlet="valley-wire",
        day=-2,
        at=(6, 45),
        slug="late-frost-hits-valley-vineyards",
        section="region",
        title="Late frost hits valley vineyards as growers light fires through the night",
        description="Growers in the upper valley lit fires and ran fans to save young shoots from a late frost.",
        byline="By Jonas Feld, Valley Wire",
        authors=("Jonas Feld",),
        paragraphs=_paras(
            """
Vineyard owners in the upper valley spent the night lighting fires between the rows and running wind machines after temperatures dropped to minus 4 degrees, a late frost that arrived just as the first green shoots were opening.

Growers around the villages of Orsel and Kammbach said it was too early to know how much of the crop had been lost, but early checks suggested damage in low-lying plots where cold air settles.

"You could see the fires all the way down the slope, like a procession," said Liesl Amrein, who manages 11 hectares near Orsel. "We stayed out until the sun came up. Now we wait and look at every bud."

The regional growers' association estimated that about a fifth of the valley's 3,400 hectares of vines had been exposed to damaging temperatures. It said it would have clearer figures within a week, once damaged shoots turn brown.

Frost in the second half of the season has become more common as warmer winters push vines to bud earlier. The association said members were increasingly investing in frost candles, sprinklers and fans, though many small family growers cannot afford them.

The regional government said it would consider emergency support if losses turned out to be severe. Last time a frost of this kind struck, four years ago, growers lost close to half of their harvest in some villages.

Weather forecasters said another cold night was possible before temperatures rise later in the week.
"""
        ),
    ),
    PageSpec(
        key="vw-rail-reopens",
        outlet="valley-wire",
        day=-1,
        at=(14, 10),
        slug="valley-rail-line-reopens-after-landslide",
        section="region",
        title="Valley rail line reopens five months after landslide",
        description="Trains are running again between Orsel and Brenn after engineers rebuilt a stretch of track swept away by a landslide.",
        byline="Valley Wire staff",
        authors=("Valley Wire staff",),
        paragraphs=_paras(
            """
Trains are running again between Orsel and Brenn for the first time in five months, after engineers finished rebuilding a stretch of track that was swept away by a landslide in the autumn.

The first service left Orsel shortly after 6 a.m. with about 80 passengers on board, many of them commuters who had spent the winter on replacement buses that took almost twice as long.

The landslide, triggered by a week of heavy rain, carried away 140 metres of track and part of the embankment above the river. Engineers had to anchor the hillside with steel nails and build a new retaining wall before the rails could be laid again.

"There were days in December when we were not sure the slope would ever hold," said project manager Klara Vos. "The crews worked through snow and rain, and I am very proud of them."

The repairs cost about 19 million. The rail operator said it had also installed sensors that will warn controllers if the ground starts to move again.

Passenger groups welcomed the reopening but said they wanted compensation for season ticket holders who had paid for a train service while riding the bus. The operator said it would offer a one-month refund to anyone who held a season ticket during the closure.

Timetables will return to normal from the start of next week, with trains every half hour at peak times and hourly in the evenings.
"""
        ),
    ),
    PageSpec(
        key="vw-astrolabe",
        outlet="valley-wire",
        day=-1,
        at=(8, 10),
        slug="stolen-astrolabe-found-in-storage-unit",
        section="culture",
        title="Stolen 17th-century astrolabe found in rented storage unit, police say",
        description="A brass astrolabe stolen from the Ostwick Maritime Museum six years ago has been recovered.",
        byline="By Continental Press Service",
        authors=("Continental Press Service",),
        event_key="astrolabe-recovered",
        role=ROLE_COPY,
        paragraphs=WIRE_ASTROLABE,
    ),
    PageSpec(
        key="vw-veltra-round2",
        outlet="valley-wire",
        day=0,
        at=(6, 30),
        slug="second-round-of-veltra-talks-breaks-down",
        section="region",
        title="Second round of Veltra talks breaks down over drought clause",
        description="Corvel and Astrana fail to agree on a drought threshold; no new date set.",
        byline="By Jonas Feld and Ana Reiter, Valley Wire",
        authors=("Jonas Feld", "Ana Reiter"),
        event_key="veltra-talks-round2",
        role=ROLE_ORIGIN,
        paragraphs=_paras(
            f"""
HALDEN — A second round of negotiations between Corvel and Astrana on the Veltra River collapsed after four hours, when the two delegations failed to agree on what should happen to water allocations during a declared drought.

The session in the spa town of Halden was meant to approve the terms of reference for the technical working groups set up at the previous meeting. Instead, according to officials on both sides, it stalled over a single clause that would suspend the normal sharing rules whenever the river's flow at the Dunmere gauge drops below 410 cubic metres per second.

Corvel wants that threshold written into any future treaty as an automatic trigger. Astrana's delegation argued that a fixed figure would allow upstream reservoirs to be filled first during dry spells, leaving its farmers to absorb the shortfall.

"{ROUND2_QUOTE_MAAS}" said Jorin Maas, Astrana's deputy foreign minister, as he left the conference hall. He said his government would return to the table "{ROUND2_QUOTE_MAAS_RETURN}."

A Corvel official, speaking on condition of anonymity because the talks were private, called the walkout a performance for voters at home and said the clause had been circulated weeks in advance.

The commission's mediator issued a two-line statement saying she would consult both capitals before proposing a new date. She did not take questions.

Water engineers at the Valley Institute of Hydrology said 410 cubic metres per second was roughly the level the river fell to in late July last year, meaning the clause could have been in force for as many as nine weeks of the summer.

No new round has been scheduled.
"""
        ),
    ),
    # ---------------------------------------------------------------- Meridian Daily (RSS 2.0, relative links)
    PageSpec(
        key="md-robotics",
        outlet="meridian-daily",
        day=-2,
        at=(11, 0),
        slug="university-robotics-team-wins-rescue-challenge",
        section="science",
        title="University robotics team wins international rescue challenge",
        description="Students from Meridian Technical University built a crawling robot that found all twelve 'survivors' in a collapsed-building course.",
        byline="Reporting by Kavya Iyer; editing by Tom Abernathy",
        authors=("Kavya Iyer",),
        author_box="Kavya Iyer reports on science, technology and higher education for Meridian Daily.",
        paragraphs=_paras(
            """
A team of students from Meridian Technical University has won an international rescue robotics challenge with a machine that crawls like a caterpillar and found all twelve mock survivors hidden in a simulated collapsed building.

The competition, held over three days in a converted aircraft hangar, drew 31 teams from 14 countries. Robots had to climb over rubble, squeeze through gaps as narrow as 20 centimetres and send back a map of the site while operators stayed outside.

The Meridian robot, nicknamed Inchworm by its makers, moves by stretching and contracting a segmented body rather than rolling on wheels or tracks. Team captain Rhea Banerjee said the design let it push through loose debris that trapped heavier machines.

"Everyone told us wheels were faster, and they are, right up until the floor disappears," Banerjee said. "We decided we would rather be slow and still moving."

The team of nine undergraduates built the robot over eighteen months, largely from parts they printed themselves. Their faculty adviser, Professor Anil Mehra, said the total cost of the final machine was less than a mid-range laptop.

Judges praised the team's mapping software, which stitched together images from a small camera in the robot's head to produce a three-dimensional view of the course.

The students said they planned to publish their designs openly so that fire services in smaller cities could build their own versions. Two local rescue units have already asked to test the robot in training exercises later this year.
"""
        ),
    ),
    PageSpec(
        key="md-astrolabe",
        outlet="meridian-daily",
        day=-1,
        at=(9, 40),
        slug="stolen-astrolabe-found-in-storage-unit-police",
        section="news",
        title="Stolen 17th-century astrolabe found in rented storage unit, police say",
        description="A brass astrolabe stolen from the Ostwick Maritime Museum six years ago has been recovered.",
        byline="Continental Press Service",
        authors=("Continental Press Service",),
        event_key="astrolabe-recovered",
        role=ROLE_COPY,
        paragraphs=WIRE_ASTROLABE[:-1],
    ),
    PageSpec(
        key="md-veltra-round2",
        outlet="meridian-daily",
        day=0,
        at=(11, 45),
        slug="veltra-negotiations-hit-a-wall-at-halden",
        section="news",
        title="Veltra negotiations hit a wall at Halden: what the drought clause dispute means",
        description="The second round between Corvel and Astrana ended early. Here is why one number split the two sides.",
        byline="By Tom Abernathy, Foreign Desk",
        authors=("Tom Abernathy",),
        event_key="veltra-talks-round2",
        role=ROLE_REWRITE,
        author_box="Tom Abernathy edits the Meridian Daily foreign desk.",
        paragraphs=_paras(
            f"""
Talks between Corvel and Astrana on the future of the Veltra River broke up in Halden after only four hours, leaving the two governments further apart than at any point since they agreed to negotiate.

The dispute is about a single figure. Corvel has proposed that ordinary sharing rules be suspended whenever the flow measured at the Dunmere gauge falls below 410 cubic metres per second, handing both sides emergency powers to manage the shortage. Astrana fears that in practice this would let the upstream country keep its reservoirs full while the lower river runs thin.

Jorin Maas, Astrana's deputy foreign minister, summed up his delegation's frustration on the way out of the building. "{ROUND2_QUOTE_MAAS}" His government, he added, is prepared to come back "{ROUND2_QUOTE_MAAS_RETURN}."

Corvel officials reject that account. One of them, who asked not to be named, told reporters that Astrana had seen the text of the clause weeks ago and chose to make a scene in Halden for domestic reasons.

Why does the number matter so much? Hydrologists at the Valley Institute of Hydrology have pointed out that the Veltra dropped to roughly that level in late July last year. Had the clause been in force, emergency rules could have applied for up to nine weeks, covering most of the irrigation season.

The mediator has said only that she will talk to both capitals before setting a new date. For now, nothing is on the calendar, and farmers on the lower river face another summer under the old arrangement.
"""
        ),
    ),
    PageSpec(
        key="md-market-hall",
        outlet="meridian-daily",
        day=0,
        at=(5, 50),
        slug="meridian-market-hall-reopens-after-renovation",
        section="life",
        title="Meridian market hall reopens after two-year renovation",
        description="The 1902 market hall is back, with 64 stalls, a new glass roof and a rooftop garden.",
        byline="By Leela Ramaswamy",
        authors=("Leela Ramaswamy",),
        paragraphs=_paras(
            """
The Meridian market hall reopened its doors after a two-year renovation, with queues forming outside well before the first stall holders had finished setting out their fruit.

The iron-framed hall, built in 1902, now has 64 permanent stalls, a restored glass roof that lets in daylight for the first time in decades, and a small rooftop garden where a cooking school will run classes for children.

Most of the original traders have returned, many of them after spending the renovation period in a temporary tent on the car park across the road. Fishmonger Bashir Qadri, whose family has sold fish in the hall for three generations, said the new cold counters had changed his working life.

"In the old hall, by two o'clock in summer the ice was water," he said. "Now my fish stays cold all day and I am not throwing money away every evening."

The renovation cost 17 million, shared between the city and a national fund for historic buildings. Rents for the stalls have risen by about a tenth, which the city said was below the rate of inflation over the period.

Some traders said they were worried about the new food court on the upper level, where several stalls are run by restaurant chains. The city said it had capped the number of chain outlets at eight and would give independent traders priority when stalls become free.

The hall will open from 7 a.m. to 7 p.m. six days a week, with a late market on Thursday evenings over the summer.
"""
        ),
    ),
    PageSpec(
        key="md-paywall",
        outlet="meridian-daily",
        day=0,
        at=(6, 55),
        slug="subscriber-exclusive-the-families-of-the-market-hall",
        section="life",
        title="Subscriber exclusive: the families who kept the market hall alive",
        description="Only for subscribers.",
        byline="By Leela Ramaswamy",
        authors=("Leela Ramaswamy",),
        kind=PAYWALL,
        paragraphs=(
            "For more than a century, a handful of families have sold fish, bread and spices under the same iron roof.",
        ),
    ),
    # ------------------------------------------- Lakeside Courier (homepage only, JSON Feed)
    PageSpec(
        key="lc-boathouse",
        outlet="lakeside-courier",
        day=-1,
        at=(9, 40),
        slug="rowing-club-boathouse-reopens-after-flood-repairs",
        section="town",
        title="Rowing club boathouse reopens after flood repairs",
        description="The Lakeside rowing club is back on the water after a winter of repairs to its flooded boathouse.",
        byline="By Mirela Dovak",
        authors=("Mirela Dovak",),
        modified_after_hours=3.0,
        correction="Correction: An earlier version of this article gave the wrong year for the club's founding. It was founded in 1911.",
        paragraphs=_paras(
            """
The Lakeside rowing club reopened its boathouse on Saturday, five months after spring floods left a metre of muddy water on the ground floor and carried two racing shells out onto the lake.

Volunteers spent most of the winter stripping out the damaged floorboards, drying the walls and rebuilding the slipway, which had cracked where the water undercut its foundations. The club's insurer paid for the new floor; members raised the rest at a series of bake sales and a sponsored row across the lake.

"We had boats in the car park and oars in people's kitchens," said club captain Teodor Lask. "Getting everything back under one roof feels like having the club back."

Both of the shells swept away in the flood were found by fishermen within a week, one of them wedged under the ferry jetty at the northern end of the lake. Only one needed repairs.

The club, founded in 1911, now has about ninety members, including a junior squad that trains three mornings a week. It plans to hold its first regatta since the flood in September.

To keep the next flood out, the boathouse doors now sit on a raised sill, and the club has moved its electrics and its trophy cabinet to the upper floor. Lask said members would also practise a drill for carrying the boats uphill when the lake starts to rise.
"""
        ),
    ),
    PageSpec(
        key="lc-trail",
        outlet="lakeside-courier",
        day=0,
        at=(7, 15),
        slug="new-shoreline-trail-links-the-two-beaches",
        section="outdoors",
        title="New shoreline trail links the town's two beaches",
        description="A four-kilometre path along the eastern shore opens to walkers and cyclists.",
        byline="By Anselm Forli",
        authors=("Anselm Forli",),
        paragraphs=_paras(
            """
Walkers and cyclists can now follow the eastern shore of the lake from the town beach to the pine beach at Holm Point without using the main road, after a new four-kilometre trail opened on Friday.

The gravel path runs between the reed beds and the old railway embankment, crossing two streams on timber bridges built by apprentices from the town's carpentry school. Benches have been placed at three viewpoints, and a bird hide overlooks the marsh where grebes nest each spring.

The town council said the trail cost about 410,000 crowns, most of it from a regional fund for outdoor recreation. It will be cleared of snow in winter along its first kilometre, which also serves as a safe route to the primary school.

"For years people walked along the verge of a road with lorries going past at eighty," said councillor Ruth Amberg. "Now children can cycle to school by the water."

Dogs are allowed on leads. The council asked visitors to keep off the reed beds between April and July, when the birds are breeding.

A second stage, continuing north from Holm Point to the sailing club and the campsite, is planned for next year if the regional fund agrees to pay for it. Residents can comment on the proposed route at the town library until the end of the month.
"""
        ),
    ),
    PageSpec(
        key="md-missing",
        outlet="meridian-daily",
        day=-1,
        at=(16, 0),
        slug="withdrawn-story-about-harbour-tolls",
        section="news",
        title="Harbour tolls to double (withdrawn)",
        description="",
        byline="",
        authors=(),
        kind=MISSING,
        in_sitemap=False,
    ),
    # ------------------------------------------- two factory fires on one day (story f)
    PageSpec(
        key="vw-aldenburg-fire",
        outlet="valley-wire",
        day=-1,
        at=(6, 40),
        slug="night-fire-destroys-aldenburg-paint-factory",
        section="region",
        title="Night fire destroys paint factory in Aldenburg",
        description="Firefighters fought the blaze at the Kessler paint works in Aldenburg for six hours; the night shift got out unhurt.",
        byline="By Hugo Marland",
        authors=("Hugo Marland",),
        event_key="aldenburg-factory-fire",
        role=ROLE_ORIGIN,
        paragraphs=_paras(
            f"""
ALDENBURG — A fire that broke out overnight at the Kessler paint works in Aldenburg destroyed the main production hall, and firefighters from across the district needed six hours to bring it under control, the Aldenburg fire brigade said.

Fire chief Oskar Lindqvist said the alarm went off shortly after two in the morning in the mixing room, where solvents are stored in steel drums. Thirty-eight firefighters and eleven engines from Aldenburg and two neighbouring towns were sent to the site on the eastern edge of Aldenburg.

"{ALDENBURG_FIRE_QUOTE}" Lindqvist told reporters at the gate.

Residents of the streets around the plant were told to keep their windows shut while a column of black smoke drifted over Aldenburg towards the river. Air quality readings taken by the district environment office in the morning were normal, Lindqvist said.

The Kessler works employs about 140 people and has made paint for ships and bridges in Aldenburg since 1962. "{ALDENBURG_OWNER_QUOTE}" managing director Paula Kessler said.

Investigators from the Corvel fire safety inspectorate will examine the mixing room once the ruins have cooled. Lindqvist said there was no sign of arson.
"""
        ),
    ),
    PageSpec(
        key="hh-aldenburg-fire",
        outlet="harbor-herald",
        day=-1,
        at=(11, 15),
        slug="aldenburg-paint-works-fire-night-shift-escaped",
        section="world",
        title="Aldenburg paint works gutted by fire as night shift escapes unhurt",
        description="The blaze at the Kessler plant in Aldenburg took six hours to put out; the fire chief credits the workers' quick exit.",
        byline="By Priya Castellanos",
        authors=("Priya Castellanos",),
        event_key="aldenburg-factory-fire",
        role=ROLE_REWRITE,
        paragraphs=_paras(
            f"""
Workers on the night shift at the Kessler paint works in Aldenburg escaped without injury when fire tore through the plant's production hall overnight, according to the Aldenburg fire brigade.

The blaze started in the mixing room, where solvents are kept, and spread to the roof of the main hall before crews could reach it. It took thirty-eight firefighters six hours to put out.

Aldenburg fire chief Oskar Lindqvist praised the staff for leaving at once. "{ALDENBURG_FIRE_QUOTE}"

Smoke from the fire could be seen across Aldenburg for most of the morning. The district environment office said its air measurements showed nothing unusual.

Paula Kessler, who runs the family firm that employs 140 people, promised to keep paying them: "{ALDENBURG_OWNER_QUOTE}" The plant has supplied marine paint from Aldenburg for six decades.

The national fire safety inspectorate has been asked to establish the cause. Lindqvist said nothing pointed to a deliberate act.
"""
        ),
    ),
    PageSpec(
        key="np-oldhaven-fire",
        outlet="northgate-post",
        day=-1,
        at=(9, 50),
        slug="fire-guts-textile-factory-in-oldhaven",
        section="city",
        title="Fire guts textile factory in Oldhaven; workers evacuated",
        description="Crews in Oldhaven spent the morning fighting a blaze at the Marrow textile mill; two firefighters were treated for smoke.",
        byline="By Marta Oyelaran",
        authors=("Marta Oyelaran",),
        event_key="oldhaven-factory-fire",
        paragraphs=_paras(
            """
OLDHAVEN — A fire swept through the Marrow textile mill in Oldhaven early in the morning, destroying the weaving hall and forcing the evacuation of about ninety workers, the Oldhaven fire service said.

Fire officer Greta Halloran said the blaze began in a storeroom full of cotton bales and spread quickly along the roof. Twenty-six firefighters from Oldhaven fought the flames for five hours, and two of them were treated in hospital for smoke inhalation.

"Cotton burns slowly until it reaches the air, and then it goes all at once," Halloran said outside the mill. "The workers did exactly what they had practised and were outside within minutes."

Police closed the main road through the industrial estate in Oldhaven while crews worked, and residents were told to avoid the area because of heavy smoke.

The Marrow mill has woven sheets and towels in Oldhaven for almost a century and employs about ninety people. Owner Anton Marrow said the company would try to move production to a smaller site across town.

The Astrana labour inspectorate has opened an inquiry into the fire. Halloran said it was too early to say what caused it, but that the storeroom's sprinklers would be the first thing her officers examined once the building was safe to enter.
"""
        ),
    ),
)

PAGES_BY_KEY: dict[str, PageSpec] = {page.key: page for page in PAGES}
