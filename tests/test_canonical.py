"""Finding <link rel=canonical> by scanning bytes gives what a DOM query gives."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawlers.canonical import canonical_link

PAGES = {
    "plain": b'<html><head><link rel="canonical" href="https://quay.example/a"></head><body></body></html>',
    "attributes in another order, upper case": b"<HTML><HEAD><LINK HREF='/b?x=1&amp;y=2' REL=canonical></HEAD></HTML>",
    "other links first": b'<head><link rel="stylesheet" href="/s.css"><link rel="alternate" href="/feed">'
    b'<link rel="canonical" href="https://quay.example/c"/></head>',
    "commented out": b'<head><!-- <link rel="canonical" href="/old"> --><link rel="canonical" href="/new"></head>',
    "inside a script": b'<head><script>var s = \'<link rel="canonical" href="/js">\';</script></head>'
    b'<body><link rel="canonical" href="/late"></body>',
    "none": b'<head><link rel="icon" href="/favicon.ico"></head><body><p>canonical text</p></body>',
    "empty href": b'<head><link rel="canonical" href=""></head>',
}
EXPECTED = {
    "plain": "https://quay.example/a",
    "attributes in another order, upper case": "/b?x=1&y=2",
    "other links first": "https://quay.example/c",
    "commented out": "/new",
    "inside a script": "/late",
    "none": None,
    "empty href": None,
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_canonical_link(name: str) -> None:
    assert canonical_link(PAGES[name]) == EXPECTED[name]


@pytest.mark.parametrize("name", ["plain", "other links first", "commented out", "none"])
def test_same_answer_as_a_dom_query(name: str) -> None:
    found = Selector(body=PAGES[name], type="html").xpath("//link[@rel='canonical']/@href").get()
    assert canonical_link(PAGES[name]) == (found or None)
