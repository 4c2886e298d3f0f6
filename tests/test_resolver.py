"""The connect-time DNS check: the lookup the downloader connects with refuses private answers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

# Runs in a child process: a Twisted reactor is installed once per process.
RESOLVE = """
import json, sys
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from twisted.internet import reactor
from crawlers.resolver import PublicAddressResolver, allowed_hosts

resolver = PublicAddressResolver(reactor, cache_size=100, timeout=5.0)
resolver.allowed = allowed_hosts(json.loads(sys.argv[1]))
results = {}

def done(value, name):
    results[name] = value

def failed(failure, name):
    results[name] = f"{failure.type.__name__}: {failure.getErrorMessage()}"

def run():
    lookup = resolver.getHostByName("localhost")
    lookup.addCallbacks(done, failed, callbackArgs=("localhost",), errbackArgs=("localhost",))
    lookup.addBoth(lambda _: reactor.stop())

reactor.callWhenRunning(run)
reactor.run()
print(json.dumps(results))
"""


def resolve_localhost(allow: list[str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", RESOLVE, json.dumps(allow)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    if result.returncode != 0:
        pytest.fail(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])["localhost"]


def test_a_name_resolving_to_loopback_is_refused_when_connecting():
    outcome = resolve_localhost([])
    assert outcome.startswith("DNSLookupError")
    assert "non-public address 127.0.0.1" in outcome


def test_an_allow_listed_name_may_resolve_to_loopback():
    assert resolve_localhost(["localhost:8080"]) == "127.0.0.1"
