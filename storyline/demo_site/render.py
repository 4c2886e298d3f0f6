"""Render the demo site's pages, feeds, sitemaps and robots.txt from the manifest.

Every function returns text; ``server.py`` turns it into HTTP responses. Article pages are
built like real ones: the story sits inside heavy chrome (menus, trending lists repeated twice,
newsletter promos, share lines, repeated photo captions, an unrendered template line).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from storyline.demo_site.content import (
    LIVEBLOG,
    OUTLETS,
    OUTLETS_BY_SLUG,
    PAGES_BY_KEY,
    PAYWALL,
    VIDEO,
    Outlet,
)
from storyline.demo_site.site import ManifestEntry

STATIC_PAGES: dict[str, str] = {
    "about": "About us",
    "contact": "Contact the newsroom",
    "newsletters": "Newsletters",
    "privacy": "Privacy policy",
    "terms": "Terms of use",
    "careers": "Careers",
}

TEMPLATE_LINE = "Updated [hour]:[minute] [AMPM] [timezone], [monthFull] [day], [year]"
_ORG_WORDS = ("newsroom", "staff", "service", "video", "desk")


_BLOCK_END = re.compile(
    r"(</(?:p|li|h[1-6]|figure|div|section|aside|nav|header|footer|form|ol|ul|label|script|title)>"
    r"|<head>|<body>|<main>|<article[^>]*>)"
)


def _lines(html: str) -> str:
    """Break the page after block elements so it reads like real, line-wrapped markup."""
    return _BLOCK_END.sub(r"\1\n", html)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _rfc822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _x(text: str) -> str:
    """Escape text for XML and HTML element content and attributes."""
    return escape(text, quote=True)


def outlet_pages(manifest: Sequence[ManifestEntry], outlet: str) -> list[ManifestEntry]:
    """Return the manifest entries of ``outlet``, newest first."""
    return sorted(
        (entry for entry in manifest if entry.outlet == outlet),
        key=lambda entry: entry.published,
        reverse=True,
    )


# --- HTML chrome ------------------------------------------------------------------------------


def _nav(outlet: Outlet) -> str:
    items = "".join(
        f'<li><a href="/{outlet.slug}/section/{section}/">{section.title()}</a></li>'
        for section in outlet.sections
    )
    others = "".join(
        f'<li><a href="/{outlet.slug}/{slug}/">{_x(label)}</a></li>'
        for slug, label in STATIC_PAGES.items()
        if slug in ("about", "newsletters")
    )
    return (
        '<nav class="main-nav" aria-label="Sections"><ul>'
        f'<li><a href="/{outlet.slug}/">Home</a></li>{items}{others}'
        '<li><a href="#search">Search</a></li><li><a href="#menu">Menu</a></li></ul></nav>'
    )


def _trending(manifest: Sequence[ManifestEntry], outlet: Outlet, label: str) -> str:
    picks = [e for e in outlet_pages(manifest, outlet.slug) if e.expected_status == 200]
    picks = [e for e in picks if not e.robots_disallowed][:5]
    links = "".join(f'<li><a href="{e.url_path}">{_x(e.title)}</a></li>' for e in picks)
    return f'<aside class="trending"><h2>{_x(label)}</h2><ol>{links}</ol></aside>'


def _newsletter(outlet: Outlet) -> str:
    return (
        '<div class="newsletter-promo"><h3>Get the morning briefing</h3>'
        f"<p>The day's biggest stories from the {_x(outlet.name)}, in your inbox before breakfast. "
        "Free, every weekday.</p>"
        f'<form action="/{outlet.slug}/newsletters/" method="post">'
        '<input type="email" name="email" placeholder="Your email address">'
        '<button type="submit">Sign up</button></form>'
        '<p class="small">By signing up you agree to our Terms of Use and Privacy Policy.</p>'
        "</div>"
    )


def _share(outlet: Outlet) -> str:
    return (
        '<div class="share-tools"><span>Share on Facebook</span> <span>Share on X</span> '
        "<span>Share on WhatsApp</span> <span>Share via Email</span> <span>Copy link</span> "
        f"<span>Add {_x(outlet.name)} on your news app</span></div>"
    )


def _footer(outlet: Outlet, year: int) -> str:
    links = "".join(
        f'<li><a href="/{outlet.slug}/{slug}/">{_x(label)}</a></li>' for slug, label in STATIC_PAGES.items()
    )
    sections = "".join(
        f'<li><a href="/{outlet.slug}/section/{section}/">{section.title()}</a></li>'
        for section in outlet.sections
    )
    return (
        f'<footer class="site-footer"><ul class="footer-sections">{sections}</ul>'
        f'<ul class="footer-links">{links}</ul>'
        f"<p>&copy; {year} {_x(outlet.name)}. {_x(outlet.tagline)}. All rights reserved.</p>"
        "<p>Advertise with us · Manage cookies · Accessibility</p></footer>"
    )


def _head(title: str, outlet: Outlet, description: str, extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_x(title)} | {_x(outlet.name)}</title>"
        f'<meta name="description" content="{_x(description)}">{extra}</head>'
    )


def _header(manifest: Sequence[ManifestEntry], outlet: Outlet) -> str:
    return (
        f'<header class="site-header"><div class="topbar">{TEMPLATE_LINE}</div>'
        f'<a class="logo" href="/{outlet.slug}/">{_x(outlet.name)}</a>'
        f'<p class="tagline">{_x(outlet.tagline)}</p>{_nav(outlet)}'
        f"{_trending(manifest, outlet, 'Trending now')}</header>"
    )


# --- Article pages ----------------------------------------------------------------------------


def _person_or_org(name: str) -> dict[str, str]:
    kind = "Organization" if any(word in name.lower() for word in _ORG_WORDS) else "Person"
    return {"@type": kind, "name": name}


def _json_ld(entry: ManifestEntry, outlet: Outlet, base_url: str) -> dict[str, object]:
    spec = PAGES_BY_KEY[entry.key]
    url = base_url + entry.canonical_path
    publisher = {
        "@type": "Organization",
        "name": outlet.name,
        "logo": {"@type": "ImageObject", "url": f"{base_url}/{outlet.slug}/static/logo.png"},
    }
    if entry.kind == LIVEBLOG:
        return {
            "@context": "https://schema.org",
            "@type": "LiveBlogPosting",
            "headline": entry.title,
            "url": url,
            "coverageStartTime": _iso(entry.published),
            "datePublished": _iso(entry.published),
            "dateModified": _iso(entry.modified),
            "publisher": publisher,
            "liveBlogUpdate": [
                {"@type": "BlogPosting", "headline": paragraph} for paragraph in spec.paragraphs
            ],
        }
    if entry.kind == VIDEO:
        return {
            "@context": "https://schema.org",
            "@type": "VideoObject",
            "name": entry.title,
            "description": spec.description,
            "uploadDate": _iso(entry.published),
            "duration": "PT1M04S",
            "thumbnailUrl": f"{base_url}/{outlet.slug}/static/{spec.slug}.jpg",
            "contentUrl": f"{base_url}/{outlet.slug}/static/{spec.slug}.mp4",
            "publisher": publisher,
        }
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "headline": entry.title,
        "description": spec.description,
        "datePublished": _iso(entry.published),
        "dateModified": _iso(entry.modified),
        "author": [_person_or_org(name) for name in spec.authors],
        "publisher": publisher,
        "image": [f"{base_url}/{outlet.slug}/static/{spec.slug}.jpg"],
        "articleSection": spec.section.title(),
        "isAccessibleForFree": entry.kind != PAYWALL,
    }
    if entry.kind == PAYWALL:
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": ".paywalled",
        }
    elif outlet.json_ld_article_body:
        data["articleBody"] = "\n\n".join(spec.paragraphs)
    return data


def render_article(entry: ManifestEntry, manifest: Sequence[ManifestEntry], base_url: str) -> str:
    """Return the HTML of the page behind ``entry`` (article, live blog, video or paywall)."""
    spec = PAGES_BY_KEY[entry.key]
    outlet = OUTLETS_BY_SLUG[entry.outlet]
    canonical = base_url + entry.canonical_path
    json_ld = json.dumps(_json_ld(entry, outlet, base_url), ensure_ascii=False)
    json_ld = json_ld.replace("</", "<\\/")
    meta = (
        f'<link rel="canonical" href="{_x(canonical)}">'
        f'<meta property="og:type" content="{"video.other" if entry.kind == VIDEO else "article"}">'
        f'<meta property="og:title" content="{_x(entry.title)}">'
        f'<meta property="og:description" content="{_x(spec.description)}">'
        f'<meta property="og:url" content="{_x(canonical)}">'
        f'<meta property="og:site_name" content="{_x(outlet.name)}">'
        f'<meta property="og:image" content="{base_url}/{outlet.slug}/static/{spec.slug}.jpg">'
        f'<meta property="article:published_time" content="{_iso(entry.published)}">'
        f'<meta property="article:modified_time" content="{_iso(entry.modified)}">'
        f'<meta property="article:section" content="{spec.section.title()}">'
        f'<script type="application/ld+json">{json_ld}</script>'
    )
    caption = (
        f"{spec.description.rstrip('.')}. (Photo: Dara Quill / {outlet.name})"
        if spec.description
        else f"Photo: {outlet.name}"
    )
    human_date = entry.published.strftime("%B %d, %Y at %H:%M")
    body: list[str] = []
    if entry.kind == VIDEO:
        body.append(
            '<div class="video-player" data-duration="64"><video controls '
            f'poster="/{outlet.slug}/static/{spec.slug}.jpg" '
            f'src="/{outlet.slug}/static/{spec.slug}.mp4"></video>'
            "<p>Your browser does not support embedded video.</p></div>"
        )
        body.extend(f"<p>{_x(p)}</p>" for p in spec.paragraphs)
        body.append('<p class="duration">Duration: 1:04</p>')
    elif entry.kind == LIVEBLOG:
        body.append('<p class="live-badge">LIVE</p><p>This page updates automatically.</p>')
        for paragraph in spec.paragraphs:
            stamp, _, text = paragraph.partition(" — ")
            body.append(
                f'<div class="live-update"><time>{_x(stamp)}</time><p>{_x(text)}</p>{_share(outlet)}</div>'
            )
    elif entry.kind == PAYWALL:
        body.append(f"<p>{_x(spec.paragraphs[0])}</p>")
        body.append(
            '<div class="paywalled"><h2>Subscribe to continue reading</h2>'
            "<p>This story is available to Meridian Daily subscribers. Subscribe from 1 a week, "
            'cancel any time.</p><a href="#subscribe">Subscribe now</a> '
            '<a href="#login">Already a subscriber? Log in</a></div>'
            '<div class="consent-banner" role="dialog"><h2>We value your privacy</h2>'
            "<p>We and our partners use cookies to store and access information on your device "
            "for personalised ads and content, measurement and audience research.</p>"
            "<button>Accept all</button> <button>Reject all</button> "
            "<button>Manage options</button></div>"
        )
    else:
        for index, paragraph in enumerate(spec.paragraphs):
            if index in spec.headings:
                body.append(f"<h2>{_x(spec.headings[index])}</h2>")
            body.append(f"<p>{_x(paragraph)}</p>")
            if index == 2:
                body.append(_newsletter(outlet))
            if index == 4:
                body.append(
                    f'<div class="related"><strong>Read more:</strong> '
                    f"{_trending(manifest, outlet, 'Related coverage')}</div>"
                )
        if spec.correction:
            body.append(f'<p class="correction"><em>{_x(spec.correction)}</em></p>')
    extras: list[str] = []
    extras.append(
        '<div class="gallery">'
        + "".join(
            f'<figure><img src="/{outlet.slug}/static/{spec.slug}-{n}.jpg" alt="">'
            f"<figcaption>{_x(caption)}</figcaption></figure>"
            for n in (2, 3)
        )
        + "</div>"
    )
    extras.append(_share(outlet))
    if spec.author_box:
        names = " and ".join(spec.authors)
        extras.append(
            f'<div class="author-box"><img src="/{outlet.slug}/static/author.jpg" alt="">'
            f"<h3>About the author: {_x(names)}</h3><p>{_x(spec.author_box)}</p>"
            f'<a href="/{outlet.slug}/contact/">Contact the author</a></div>'
        )
    if spec.comment_form:
        extras.append(
            '<section class="comments"><h2>Leave a comment</h2>'
            "<p>Your email address will not be published. Required fields are marked *</p>"
            f'<form action="/{outlet.slug}/comments/" method="post">'
            '<label>Comment *<textarea name="comment"></textarea></label>'
            '<label>Name *<input name="name"></label><label>Email *<input name="email"></label>'
            '<label><input type="checkbox"> Save my name and email in this browser for the '
            'next time I comment.</label><button type="submit">Post Comment</button></form>'
            "</section>"
        )
    return _lines(
        _head(entry.title, outlet, spec.description, meta)
        + "<body>"
        + _header(manifest, outlet)
        + '<main><article class="story">'
        + f'<p class="kicker"><a href="/{outlet.slug}/section/{spec.section}/">'
        + f"{spec.section.title()}</a></p>"
        + f"<h1>{_x(entry.title)}</h1>"
        + f'<p class="byline">{_x(spec.byline)}</p>'
        + f'<p class="dateline"><time datetime="{_iso(entry.published)}">Published {human_date}'
        + "</time> · Updated [hour]:[minute] [AMPM]</p>"
        + _share(outlet)
        + f'<figure class="hero"><img src="/{outlet.slug}/static/{spec.slug}.jpg" alt="">'
        + f"<figcaption>{_x(caption)}</figcaption></figure>"
        + f'<div class="article-body">{"".join(body)}</div>'
        + "".join(extras)
        + "</article>"
        + _trending(manifest, outlet, "Most read")
        + _newsletter(outlet)
        + f'<noscript><p class="caption">{_x(caption)}</p></noscript>'
        + "</main>"
        + _footer(outlet, entry.published.year)
        + "</body></html>"
    )


# --- Hubs and static pages --------------------------------------------------------------------


def _hub_link(entry: ManifestEntry, tracked: bool) -> str:
    href = entry.url_path
    if tracked:
        spec = PAGES_BY_KEY[entry.key]
        if spec.hub_tracking_query:
            href = f"{entry.url_path}?{spec.hub_tracking_query}"
    return f'<li class="teaser"><a href="{_x(href)}">{_x(entry.title)}</a></li>'


#: The media type each feed format is served and announced with.
FEED_TYPES = {"atom": "application/atom+xml", "rdf": "application/rdf+xml", "json": "application/feed+json"}


def render_hub(manifest: Sequence[ManifestEntry], outlet: Outlet, section: str | None, year: int) -> str:
    """Return the HTML of a section index (``section``) or the outlet front page (``None``)."""
    pages = outlet_pages(manifest, outlet.slug)
    in_section = [e for e in pages if PAGES_BY_KEY[e.key].section == section] if section else []
    label = section.title() if section else "Front page"
    listing = "".join(_hub_link(e, tracked=False) for e in in_section)
    latest = "".join(_hub_link(e, tracked=True) for e in pages)
    description = f"{label} news from the {outlet.name}"
    feed_type = FEED_TYPES.get(outlet.feed_format, "application/rss+xml")
    # The front page announces the outlet's feed, as a homepage does.
    declared = "" if section else (
        f'<link rel="alternate" type="{feed_type}" title="{_x(outlet.name)}" href="{outlet.feed_path}">'
    )
    return _lines(
        _head(label, outlet, description, declared)
        + "<body>"
        + _header(manifest, outlet)
        + f"<main><h1>{_x(label)}</h1>"
        + (
            f'<section class="section-stories"><h2>In {_x(label)}</h2><ul>{listing}</ul></section>'
            if section
            else ""
        )
        + f'<section class="latest"><h2>Latest from the {_x(outlet.name)}</h2><ul>{latest}</ul>'
        + "</section>"
        + _newsletter(outlet)
        + _trending(manifest, outlet, "Trending now")
        + "</main>"
        + _footer(outlet, year)
        + "</body></html>"
    )


def render_static(manifest: Sequence[ManifestEntry], outlet: Outlet, slug: str, year: int) -> str:
    """Return a small non-news page (about, contact, ...) with the outlet's chrome."""
    label = STATIC_PAGES[slug]
    return _lines(
        _head(label, outlet, label)
        + "<body>"
        + _header(manifest, outlet)
        + f"<main><h1>{_x(label)}</h1><p>The {_x(outlet.name)} is a fictional outlet of the "
        + "Storyline demo site. This page exists so that navigation links resolve.</p></main>"
        + _footer(outlet, year)
        + "</body></html>"
    )


def render_error(status: int, message: str) -> str:
    """Return a plain HTML error page."""
    return (
        f"<!DOCTYPE html>\n<html><head><title>{status} {_x(message)}</title></head>"
        f"<body><h1>{status} {_x(message)}</h1><p>Sorry, something went wrong.</p></body></html>"
    )


# --- Feeds -----------------------------------------------------------------------------------


def feed_entries(manifest: Sequence[ManifestEntry], outlet: Outlet) -> list[ManifestEntry]:
    """Return the entries ``outlet``'s feed lists, newest first."""
    return [e for e in outlet_pages(manifest, outlet.slug) if e.in_feed and not e.robots_disallowed]


def _feed_link(entry: ManifestEntry, base_url: str) -> str:
    spec = PAGES_BY_KEY[entry.key]
    query = f"?{spec.feed_tracking_query}" if spec.feed_tracking_query else ""
    return f"{base_url}{entry.url_path}{query}"


def render_feed(manifest: Sequence[ManifestEntry], outlet: Outlet, base_url: str) -> str:
    """Return ``outlet``'s feed in its format (RSS 2.0, Atom 1.0, RSS 1.0/RDF, relative RSS,
    JSON Feed 1.1)."""
    entries = feed_entries(manifest, outlet)
    updated = max(e.modified for e in entries)
    home = f"{base_url}/{outlet.slug}/"
    if outlet.feed_format == "json":
        return json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": outlet.name,
                "home_page_url": home,
                "feed_url": f"{base_url}{outlet.feed_path}",
                "description": outlet.tagline,
                "items": [
                    {
                        "id": f"{outlet.slug}:{PAGES_BY_KEY[e.key].slug}",
                        "url": _feed_link(e, base_url),
                        "title": e.title,
                        "summary": PAGES_BY_KEY[e.key].description,
                        "date_published": _iso(e.published),
                        "date_modified": _iso(e.modified),
                        "authors": [{"name": name} for name in PAGES_BY_KEY[e.key].authors],
                        "tags": [PAGES_BY_KEY[e.key].section.title()],
                    }
                    for e in entries
                ],
            },
            ensure_ascii=False,
        )
    if outlet.feed_format == "atom":
        items = "".join(
            "<entry>"
            f"<id>tag:{outlet.slug}.example,{e.published:%Y-%m-%d}:{PAGES_BY_KEY[e.key].slug}</id>"
            f"<title>{_x(e.title)}</title>"
            f'<link rel="alternate" type="text/html" href="{_x(_feed_link(e, base_url))}"/>'
            f"<published>{_iso(e.published)}</published><updated>{_iso(e.modified)}</updated>"
            + "".join(f"<author><name>{_x(name)}</name></author>" for name in PAGES_BY_KEY[e.key].authors)
            + f"<summary>{_x(PAGES_BY_KEY[e.key].description)}</summary>"
            "</entry>"
            for e in entries
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<id>{home}</id><title>{_x(outlet.name)}</title>"
            f"<subtitle>{_x(outlet.tagline)}</subtitle><updated>{_iso(updated)}</updated>"
            f'<link rel="self" href="{base_url}{outlet.feed_path}"/>'
            f'<link rel="alternate" href="{home}"/>{items}</feed>'
        )
    if outlet.feed_format == "rdf":
        seq = "".join(f'<rdf:li rdf:resource="{_x(_feed_link(e, base_url))}"/>' for e in entries)
        items = "".join(
            f'<item rdf:about="{_x(_feed_link(e, base_url))}"><title>{_x(e.title)}</title>'
            f"<link>{_x(_feed_link(e, base_url))}</link>"
            f"<description>{_x(PAGES_BY_KEY[e.key].description)}</description>"
            f"<dc:date>{_iso(e.published)}</dc:date>"
            f"<dc:creator>{_x(', '.join(PAGES_BY_KEY[e.key].authors))}</dc:creator></item>"
            for e in entries
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<channel rdf:about="{base_url}{outlet.feed_path}"><title>{_x(outlet.name)}</title>'
            f"<link>{home}</link><description>{_x(outlet.tagline)}</description>"
            f"<dc:date>{_iso(updated)}</dc:date><items><rdf:Seq>{seq}</rdf:Seq></items></channel>"
            f"{items}</rdf:RDF>"
        )
    relative = outlet.feed_format == "rss2-relative"
    parts: list[str] = []
    for e in entries:
        spec = PAGES_BY_KEY[e.key]
        if relative:
            link = e.url_path
            guid_text = f"{outlet.slug[:2]}-{e.published:%Y%m%d}-{spec.key}"
            guid = f'<guid isPermaLink="false">{guid_text}</guid>'
        else:
            link = _feed_link(e, base_url)
            guid = f'<guid isPermaLink="true">{base_url}{e.url_path}</guid>'
        parts.append(
            f"<item><title>{_x(e.title)}</title><link>{_x(link)}</link>{guid}"
            f"<pubDate>{_rfc822(e.published)}</pubDate>"
            f"<description>{_x(spec.description)}</description>"
            f"<category>{spec.section.title()}</category>"
            f"<dc:creator>{_x(', '.join(spec.authors))}</dc:creator></item>"
        )
    channel_link = f"/{outlet.slug}/" if relative else home
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>{_x(outlet.name)}</title><link>{channel_link}</link>"
        f"<description>{_x(outlet.tagline)}</description><language>en</language>"
        f"<lastBuildDate>{_rfc822(updated)}</lastBuildDate>"
        f'<atom:link href="{base_url}{outlet.feed_path}" rel="self" type="application/rss+xml"/>'
        f"{''.join(parts)}</channel></rss>"
    )


def render_broken_feed(outlet: Outlet, base_url: str) -> str:
    """Return deliberately malformed XML (unclosed elements, stray ampersand, truncated)."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{_x(outlet.name)} breaking news & alerts</title>"
        f"<link>{base_url}/{outlet.slug}/</link><item><title>Breaking: <b>developing story"
        f"</title><link>{base_url}/{outlet.slug}/breaking/</link><description>Details to "
    )


# --- Sitemaps and robots ---------------------------------------------------------------------


def sitemap_entries(manifest: Sequence[ManifestEntry], outlet: Outlet) -> list[ManifestEntry]:
    """Return the entries listed in ``outlet``'s XML sitemap, newest first."""
    return [e for e in outlet_pages(manifest, outlet.slug) if e.in_sitemap]


def render_sitemap(manifest: Sequence[ManifestEntry], outlet: Outlet, base_url: str) -> str:
    """Return ``outlet``'s XML sitemap with one <lastmod> per page."""
    urls = "".join(
        f"<url><loc>{base_url}{e.url_path}</loc><lastmod>{_iso(e.modified)}</lastmod></url>"
        for e in sitemap_entries(manifest, outlet)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )


def render_news_sitemap(manifest: Sequence[ManifestEntry], outlet: Outlet, base_url: str) -> str:
    """Return ``outlet``'s Google News sitemap (publication name, date and title per page)."""
    urls = "".join(
        f"<url><loc>{base_url}{e.url_path}</loc><lastmod>{_iso(e.modified)}</lastmod>"
        "<news:news><news:publication>"
        f"<news:name>{_x(outlet.name)}</news:name><news:language>en</news:language>"
        f"</news:publication><news:publication_date>{_iso(e.published)}</news:publication_date>"
        f"<news:title>{_x(e.title)}</news:title></news:news></url>"
        for e in sitemap_entries(manifest, outlet)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>'
    )


def sitemap_paths() -> list[tuple[Outlet, str, bool]]:
    """Return (outlet, path, is_news) for every outlet sitemap the index lists."""
    paths: list[tuple[Outlet, str, bool]] = []
    for outlet in OUTLETS:
        paths.append((outlet, f"/{outlet.slug}/sitemap.xml", False))
        if outlet.news_sitemap:
            paths.append((outlet, f"/{outlet.slug}/news-sitemap.xml", True))
    return paths


def render_sitemap_index(manifest: Sequence[ManifestEntry], base_url: str) -> str:
    """Return the root sitemap index listing every outlet sitemap."""
    parts = []
    for outlet, path, _ in sitemap_paths():
        lastmod = max(e.modified for e in sitemap_entries(manifest, outlet))
        parts.append(f"<sitemap><loc>{base_url}{path}</loc><lastmod>{_iso(lastmod)}</lastmod></sitemap>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{''.join(parts)}</sitemapindex>"
    )


def render_robots(base_url: str) -> str:
    """Return robots.txt: everything allowed except /private/, plus the sitemap index."""
    return (
        "# Storyline demo site\n"
        "User-agent: *\n"
        "Disallow: /private/\n"
        "Allow: /\n"
        "\n"
        f"Sitemap: {base_url}/sitemap-index.xml\n"
    )
