"""Scheduled runs do only new work and still end where one rebuild of the same articles ends.

Generated articles (fictional towns and people, written for this test) arrive in several
batches across two crawl days, out of publication order, with wire copies and edited
near-copies among them. One warehouse runs the dedup and cluster stages incrementally
after every batch; another gets every article at once and one rebuild per day. Both must
hold the same duplicates, the same stories and the same relations; a rebuild of the
incremental warehouse must change nothing, not even a story id.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from pipelines.dedup.store import dedup_partition
from pipelines.enrich import analyse_partition, finish_partition
from pipelines.enrich.store import ANALYSE_STAGE, FINISH_STAGE, analyse_borrowed_originals
from pipelines.stories.store import cluster_partition
from pipelines.warehouse import checkpoints
from pipelines.warehouse.db import make_engine, session_scope
from pipelines.warehouse.migrate import upgrade
from pipelines.warehouse.models import (
    Article,
    ArticleEntity,
    CrawlRun,
    Fetch,
    StageCheckpoint,
    StageRun,
    StoryArticle,
    StoryEntity,
)
from pipelines.warehouse.models import Entity as EntityRow
from pipelines.warehouse.stage_runs import stage_run

T0 = datetime(2031, 6, 2, 5, 0, tzinfo=UTC)
DAYS = ("2031-06-02", "2031-06-03")
TOWNS = ["Harrowgate", "Quillmere", "Osterby", "Velloran", "Brindlecombe", "Marrowick", "Pellingford"]
THINGS = ["ferry", "granary", "viaduct", "library", "tramway", "reservoir", "foundry"]
EVENTS = ["fire", "collapse", "strike", "flood", "closure", "rescue", "election"]
PEOPLE = ["Ansel Corrigan", "Bettina Moravec", "Cyrus Delacombe", "Dagny Ferrall", "Edwin Ostrova",
          "Fenella Wyke", "Gideon Tarrant"]
FILLER = ("officials said the work would continue through the week while residents waited for news "
          "and the council met late into the evening to agree on the next steps").split()


def _report(event: int, outlet: int, rng: random.Random) -> tuple[str, str]:
    """One outlet's report of one event: a title and a body in its own wording."""
    town, thing, kind = TOWNS[event % 7], THINGS[(event * 3) % 7], EVENTS[(event * 5) % 7]
    person = PEOPLE[(event + 2) % 7]
    figure = 100 + event * 37
    details = [
        f"The {kind} at the {town} {thing} began early on the day, {person} told reporters.",
        f"About {figure} people were affected in {town}, according to {person}.",
        f"The {thing} had been inspected in spring, and {person} promised a full review of the {kind}.",
        f"Neighbours of the {thing} in {town} described the {kind} as the worst in decades.",
    ]
    rng.shuffle(details)
    filler = " ".join(rng.sample(FILLER, 12))
    body = " ".join(details) + f" Outlet {outlet} notes that {filler}."
    return f"{kind.title()} at the {town} {thing}", body


def _articles() -> list[dict]:
    """Articles in arrival order (not publication order), each with its crawl day."""
    rng = random.Random(20310602)
    articles: list[dict] = []
    for event in range(9):
        published = T0 + timedelta(hours=5 * event)
        for outlet in range(3):
            title, body = _report(event, outlet, rng)
            articles.append({"title": title, "body": body, "outlet": outlet,
                             "url": f"https://outlet{outlet}.example/news/{event}-{outlet}",
                             "published": published + timedelta(minutes=37 * outlet)})
        wire = articles[-3]
        articles.append({**wire, "outlet": 3, "url": f"https://wire.example/copy/{event}"})  # exact copy
        edited = wire["body"].replace("began early on the day", "started before dawn")
        articles.append({**wire, "outlet": 4, "body": edited, "url": f"https://mirror.example/{event}",
                         "published": wire["published"] + timedelta(hours=2)})  # near copy
    rng.shuffle(articles)
    for number, article in enumerate(articles):
        article["day"] = DAYS[0] if number < len(articles) // 2 else DAYS[1]
        article["batch"] = number // 9  # about nine articles land per scheduled run
    return articles


def _insert(engine: Engine, articles: list[dict]) -> None:
    with session_scope(engine) as session:
        crawl = CrawlRun(started_at=T0, partition_key=articles[0]["day"], status="succeeded")
        session.add(crawl)
        session.flush()
        for article in articles:
            fetch_id = str(uuid.uuid4())
            session.add(Fetch(id=fetch_id, crawl_run_id=crawl.id, kind="article", url=article["url"],
                              requested_at=article["published"]))
            session.flush()
            session.add(Article(
                fetch_id=fetch_id, crawl_run_id=crawl.id, partition_key=article["day"],
                fetched_at=article["published"] + timedelta(hours=1), url=article["url"],
                canonical_url=article["url"], page_type="article", title=article["title"],
                body_text=article["body"], published_at=article["published"],
                site_name=f"Outlet {article['outlet']}",
            ))
            session.flush()


def _analyse(engine: Engine, day: str, *, rebuild: bool) -> dict:
    """The shard step of enrichment (one shard here): each article's own text."""
    with stage_run(engine, ANALYSE_STAGE, day, code_version="test") as run:
        return analyse_partition(engine, day, stage_run_id=run.id, rebuild=rebuild)


def _own_analyses(engine: Engine, day: str) -> dict:
    """After dedup: the originals that borrowed a near copy's analysis get their own."""
    with stage_run(engine, ANALYSE_STAGE, day, code_version="test") as run:
        return analyse_borrowed_originals(engine, day, stage_run_id=run.id)


def _finish(engine: Engine, day: str, *, rebuild: bool) -> dict:
    """The day step of enrichment: copies take their original's analysis, stories aggregate."""
    with stage_run(engine, FINISH_STAGE, day, code_version="test") as run:
        return finish_partition(engine, day, stage_run_id=run.id, rebuild=rebuild)


def _stages(engine: Engine, day: str, *, rebuild: bool) -> tuple[dict, dict]:
    _analyse(engine, day, rebuild=rebuild)  # entities exist before dedup and clustering
    with stage_run(engine, "dedup", day, code_version="test") as run:
        dedup = dedup_partition(engine, day, run.id, rebuild=rebuild)
    _own_analyses(engine, day)
    with stage_run(engine, "cluster", day, code_version="test") as run:
        cluster = cluster_partition(engine, day, run.id, rebuild=rebuild)
    _finish(engine, day, rebuild=rebuild)
    return dedup, cluster


def _state(engine: Engine) -> dict:
    """Duplicates, story membership and relations, with story ids left out (surrogate keys)."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(Article.id, Article.duplicate_of_id, Article.duplicate_kind, Article.story_id,
                   StoryArticle.relation, StoryArticle.related_to_id, Article.keywords)
            .join(StoryArticle, StoryArticle.article_id == Article.id)
            .order_by(Article.id)
        ).all()
        entities = session.execute(
            select(ArticleEntity.article_id, EntityRow.name, EntityRow.type, ArticleEntity.mentions)
            .join(EntityRow, EntityRow.id == ArticleEntity.entity_id)
        ).all()
        story_entities = session.execute(
            select(StoryEntity.story_id, EntityRow.name, StoryEntity.article_count, StoryEntity.mentions)
            .join(EntityRow, EntityRow.id == StoryEntity.entity_id)
        ).all()
    stories: dict[int, set[int]] = {}
    for row in rows:
        stories.setdefault(row.story_id, set()).add(row.id)
    by_article: dict[int, list] = {}
    for article_id, *entity in entities:
        by_article.setdefault(article_id, []).append(tuple(entity))
    by_story: dict[tuple, list] = {}
    for story_id, *entity in story_entities:
        by_story.setdefault(tuple(sorted(stories[story_id])), []).append(tuple(entity))
    return {
        "entities": {article_id: sorted(found) for article_id, found in by_article.items()},
        "story_entities": {members: sorted(found) for members, found in by_story.items()},
        "duplicates": {row.id: (row.duplicate_of_id, row.duplicate_kind) for row in rows},
        "relations": {row.id: (row.relation, row.related_to_id) for row in rows},
        "stories": sorted(sorted(members) for members in stories.values()),
        "keywords": {row.id: row.keywords for row in rows},
    }


def _exact(engine: Engine) -> list:
    with session_scope(engine) as session:
        return session.execute(
            select(Article.id, Article.story_id, Article.duplicate_of_id, StoryArticle.relation,
                   StoryArticle.related_to_id, StoryArticle.similarity)
            .join(StoryArticle, StoryArticle.article_id == Article.id)
            .order_by(Article.id)
        ).all()


def _rebuilt(articles: list[dict], tmp_path) -> Engine:
    """A SQLite warehouse given ``articles`` with the same ids, then one rebuild per day."""
    rebuilt_url = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    upgrade(rebuilt_url)
    rebuilt = make_engine(rebuilt_url)
    for batch in sorted({article["batch"] for article in articles}):  # the ids of the arrival order
        for day in DAYS:
            landed = [a for a in articles if a["batch"] == batch and a["day"] == day]
            if landed:
                _insert(rebuilt, landed)
    for day in DAYS:
        _stages(rebuilt, day, rebuild=True)
    return rebuilt


def _arrive_in_batches(engine: Engine, articles: list[dict]) -> list[tuple[dict, dict]]:
    """Insert ``articles`` batch by batch, running the stages of both days after each; returns their counts."""
    counts = []
    for batch in sorted({article["batch"] for article in articles}):
        arrived = [article for article in articles if article["batch"] == batch]
        for day in DAYS:
            landed = [article for article in arrived if article["day"] == day]
            if landed:
                _insert(engine, landed)
        for day in DAYS:
            counts.append(_stages(engine, day, rebuild=False))
    return counts


def test_incremental_runs_end_in_the_rows_of_one_rebuild(warehouse_url, tmp_path) -> None:
    articles = _articles()
    incremental = make_engine(warehouse_url)
    did_work = [(dedup["articles"], cluster["articles"], cluster["written"])
                for dedup, cluster in _arrive_in_batches(incremental, articles)]
    # Runs after a batch that brought nothing for a day skip it, and a run that had work
    # handled only the new articles, not the whole day ...
    assert (0, 0, 0) in did_work
    assert max(work for work, _, _ in did_work) <= 9
    # ... yet an article published before stored ones changed some of their assignments.
    assert any(written > work for _, work, written in did_work)

    rebuilt = _rebuilt(articles, tmp_path)
    state = _state(incremental)
    assert state == _state(rebuilt)
    # Enrichment: the people of the reports are typed, copies carry their original's entities,
    # every story has the entities of its members, and a rebuild writes the same rows again.
    people = {name for found in state["entities"].values() for name, kind, _ in found if kind == "person"}
    assert set(PEOPLE) & people
    for article_id, (original, kind) in state["duplicates"].items():
        if original is not None:
            assert state["entities"].get(article_id) == state["entities"].get(original), kind
    assert len(state["story_entities"]) == len(state["stories"])
    for day in DAYS:
        analysed = _analyse(rebuilt, day, rebuild=True)
        # No NER: every text was analysed before, or a near copy of it was met in the step.
        assert analysed["analysed"] == 0 and analysed["reused"] > 0
        assert analysed["articles"] == analysed["reused"] + analysed["borrowed"]
        assert _finish(rebuilt, day, rebuild=True)["copied"] > 0
    assert _state(rebuilt) == state
    kinds = {kind for _, kind in state["duplicates"].values()}
    assert {"url", "text", "near"} & kinds >= {"text", "near"}
    assert len(state["stories"]) >= 6 and any(len(members) >= 3 for members in state["stories"])

    # A rebuild of the incremental warehouse keeps every id and relation as they are.
    before = _exact(incremental)
    for day in DAYS:
        _stages(incremental, day, rebuild=True)
    assert _exact(incremental) == before
    # ... and a scheduled run afterwards has nothing to do.
    for day in DAYS:
        dedup, cluster = _stages(incremental, day, rebuild=False)
        assert dedup["articles"] == cluster["articles"] == 0 and dedup.get("skipped") == cluster.get("skipped") == 1


def test_runs_over_articles_in_publication_order_resume_the_clusterer(warehouse_url, tmp_path) -> None:
    """The common case: each run brings later stories; the clusterer resumes from its stored state."""
    articles = sorted(_articles(), key=lambda article: (article["published"], article["url"]))
    half = len(articles) // 2
    for number, article in enumerate(articles):
        article["day"] = DAYS[0] if number < half else DAYS[1]
        article["batch"] = number // 5
    late = articles[3]  # published early on the first day, but found only with its last batch
    late["batch"] = articles[half - 1]["batch"]
    # Published a little before the newest article of the run before it, found one run later.
    slightly_late = articles[half + 8]
    slightly_late["batch"] += 1
    earlier = [a["published"] for a in articles if a["batch"] < slightly_late["batch"] and a["day"] == DAYS[1]]
    assert timedelta(0) < max(earlier) - slightly_late["published"] < checkpoints.LATENESS
    incremental = make_engine(warehouse_url)
    counts = _arrive_in_batches(incremental, articles)

    ran = [cluster for _, cluster in counts if not cluster.get("skipped")]
    resumed = [cluster for cluster in ran if cluster["resumed"]]
    # Every run but the first of each day and the one the late article came with resumed
    # both stages, the slightly late article's run included ...
    assert len(resumed) == len(ran) - 3
    assert [dedup["resumed"] for dedup, cluster in counts if not cluster.get("skipped")] == [
        cluster["resumed"] for cluster in ran
    ]
    # ... placing again only the articles published since their state's cut.
    assert all(cluster["articles"] <= cluster["placed"] <= cluster["partition_articles"] for cluster in resumed)
    assert sum(cluster["placed"] for cluster in resumed) < sum(cluster["partition_articles"] for cluster in resumed)
    assert all(cluster["state_bytes"] > 0 for cluster in ran)
    # ... and a resumed run reports the partition's totals, not only its own articles.
    assert resumed[-1]["partition_articles"] == len(articles) - half

    rebuilt = _rebuilt(articles, tmp_path)
    assert _state(incremental) == _state(rebuilt)
    before = _exact(incremental)
    for day in DAYS:
        _stages(incremental, day, rebuild=True)
    assert _exact(incremental) == before
    with session_scope(incremental) as session:  # only the newest day keeps a state
        kept = session.execute(select(StageCheckpoint.stage, StageCheckpoint.partition_key)).all()
        assert sorted(kept) == [("cluster", DAYS[1]), ("dedup", DAYS[1])]


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_stage_only_writes_what_changed(tmp_path, rebuild) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    engine = make_engine(url)
    articles = [a for a in _articles() if a["day"] == DAYS[0]]
    _insert(engine, articles)
    _stages(engine, DAYS[0], rebuild=False)
    with session_scope(engine) as session:
        first = {row.id: row.clustered_by_id for row in session.execute(select(Article.id, Article.clustered_by_id))}
    _stages(engine, DAYS[0], rebuild=rebuild)
    with session_scope(engine) as session:
        second = {row.id: row.clustered_by_id for row in session.execute(select(Article.id, Article.clustered_by_id))}
        latest = session.execute(select(StageRun.id).where(StageRun.stage == "cluster").order_by(StageRun.id.desc())).scalars().first()
    if rebuild:
        assert set(second.values()) == {latest}  # a rebuild restamps every row
    else:
        assert second == first  # nothing pending: nothing written


def _demo_config(tmp_path, sources: int | None = None) -> str:
    """The demo config, with only its first ``sources`` outlets when given."""
    import yaml

    document = yaml.safe_load(open("config/demo.yaml", encoding="utf-8"))
    document["sources"] = document["sources"][:sources]
    path = tmp_path / f"demo-{sources}.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return str(path)


def _by_url(engine: Engine) -> dict:
    """What the demo pass stored, keyed by canonical URL (ids depend on fetch order)."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(Article.id, Article.canonical_url, Article.page_type, Article.text_sha256,
                   Article.duplicate_of_id, Article.duplicate_kind, Article.story_id, Article.language,
                   StoryArticle.relation, StoryArticle.related_to_id)
            .outerjoin(StoryArticle, StoryArticle.article_id == Article.id)
        ).all()
    url = {row.id: row.canonical_url for row in rows}
    stories: dict[int, set[str]] = {}
    for row in rows:
        if row.story_id is not None:
            stories.setdefault(row.story_id, set()).add(row.canonical_url)
    return {
        "articles": {
            row.canonical_url: (row.page_type, row.text_sha256, url.get(row.duplicate_of_id),
                                row.duplicate_kind, row.language, row.relation, url.get(row.related_to_id))
            for row in rows
        },
        "stories": sorted(sorted(members) for members in stories.values()),
    }


@pytest.mark.slow
def test_demo_site_in_two_scheduled_runs_equals_one_run(demo_site, tmp_path) -> None:
    import dagster as dg

    from dagster_project.run import run_pass

    # First run: two of the four outlets (the others' stories "arrive" later); second run: all.
    incremental_url = f"sqlite:///{tmp_path / 'incremental.db'}"
    for config in (_demo_config(tmp_path, sources=2), _demo_config(tmp_path)):
        outcome = run_pass(config_path=config, warehouse_url=incremental_url,
                           instance=dg.DagsterInstance.ephemeral(), workers=2)
        assert outcome.success, outcome.failure
    single_url = f"sqlite:///{tmp_path / 'single.db'}"
    outcome = run_pass(config_path=_demo_config(tmp_path), warehouse_url=single_url,
                       instance=dg.DagsterInstance.ephemeral(), workers=2)
    assert outcome.success, outcome.failure

    incremental, single = make_engine(incremental_url), make_engine(single_url)
    with session_scope(incremental) as session:
        runs = session.execute(select(StageRun.stage, StageRun.stats).order_by(StageRun.id)).all()
    cleaned = [stats["pages"] for stage, stats in runs if stage == "clean"]
    assert len(cleaned) == 2 and 0 < cleaned[1] < sum(cleaned)  # the second run cleaned only new pages
    state = _by_url(incremental)
    assert state == _by_url(single)
    # News stories only: the articles, the live blog and the paywalled teaser (not the video page).
    assert len(state["articles"]) == sum(1 for entry in demo_site.manifest if entry.is_article) + 2


@pytest.mark.slow
def test_a_crawl_writing_while_stages_write_never_fails_on_a_locked_sqlite_file(demo_site, tmp_path) -> None:
    import subprocess
    import sys

    from pipelines.warehouse.models import CrawlRun

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    upgrade(url)
    engine = make_engine(url)
    _insert(engine, [a for a in _articles() if a["day"] == DAYS[0]])
    crawl = subprocess.Popen(
        [sys.executable, "-m", "crawlers.run", "--config", _demo_config(tmp_path), "--warehouse", url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    rounds = 0
    try:
        while crawl.poll() is None:  # rebuild (write every row) again and again meanwhile
            _stages(engine, DAYS[0], rebuild=True)
            rounds += 1
    finally:
        _, stderr = crawl.communicate(timeout=120)
    assert crawl.returncode == 0, stderr[-3000:]
    assert rounds >= 2
    with session_scope(engine) as session:
        assert set(session.execute(select(CrawlRun.status)).scalars().all()) == {"succeeded"}
        statuses = session.execute(select(StageRun.status)).scalars().all()
        assert len(statuses) >= 6 and set(statuses) == {"succeeded"}
        # Every page the crawl stored (articles, live blog, video, paywall) is on its fetch.
        stored = session.execute(select(Fetch.id).where(Fetch.url_identity.is_not(None))).scalars().all()
    assert len(stored) == sum(1 for entry in demo_site.manifest if entry.is_article) + 3


@pytest.mark.slow
def test_a_pass_killed_mid_stage_is_run_again_without_lost_or_doubled_rows(demo_site, tmp_path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    import dagster as dg

    from dagster_project.run import run_pass

    config = _demo_config(tmp_path)
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    upgrade(url)
    engine = make_engine(url)
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    os.makedirs(env["DAGSTER_HOME"])
    process = subprocess.Popen(
        [sys.executable, "-m", "storyline", "run", "--config", config, "--warehouse", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env,
    )
    deadline = time.monotonic() + 120
    extracted = 0
    while time.monotonic() < deadline and process.poll() is None:
        with session_scope(engine) as session:
            extracted = session.execute(
                select(Article.id).where(Article.extracted_by_id.is_not(None))
            ).scalars().all()
        if extracted:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the pass ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)  # the pass, its crawl child and extraction workers
    process.wait()
    with session_scope(engine) as session:
        finished = session.execute(
            select(StageRun.stage).where(StageRun.status == "succeeded")
        ).scalars().all()
    assert "enrich" not in finished  # killed mid-pass

    again = run_pass(config_path=config, warehouse_url=url, instance=dg.DagsterInstance.ephemeral())
    assert again.success, again.failure
    single_url = f"sqlite:///{tmp_path / 'single.db'}"
    once = run_pass(config_path=config, warehouse_url=single_url, instance=dg.DagsterInstance.ephemeral())
    assert once.success, once.failure
    assert _by_url(engine) == _by_url(make_engine(single_url))
    with session_scope(engine) as session:
        pending_left = session.execute(
            select(Article.id).where(Article.page_type == "article", Article.enriched_by_id.is_(None))
        ).scalars().all()
    assert pending_left == []
    with session_scope(engine) as session:
        statuses = set(session.execute(select(StageRun.status)).scalars())
    assert statuses <= {"succeeded", "abandoned"} and "running" not in statuses


def test_an_unreadable_or_foreign_state_is_ignored_and_the_day_decided_again(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    engine = make_engine(url)
    articles = sorted((a for a in _articles() if a["day"] == DAYS[0]), key=lambda a: a["published"])
    _insert(engine, articles[:-4])
    _stages(engine, DAYS[0], rebuild=False)
    with session_scope(engine) as session:  # a damaged cluster state, a dedup state of other code
        session.execute(update(StageCheckpoint).where(StageCheckpoint.stage == "cluster")
                        .values(state=b"not a pickle"))
        session.execute(update(StageCheckpoint).where(StageCheckpoint.stage == "dedup")
                        .values(version="dedup-0.0.1/1/1"))
    _insert(engine, articles[-4:])
    dedup, cluster = _stages(engine, DAYS[0], rebuild=False)
    assert dedup["resumed"] == cluster["resumed"] == 0
    assert cluster["placed"] == cluster["partition_articles"] == len(articles)
    before = _exact(engine)
    _stages(engine, DAYS[0], rebuild=True)
    assert _exact(engine) == before
