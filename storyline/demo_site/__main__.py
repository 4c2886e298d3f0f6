"""Serve the demo news site in the foreground: ``python -m storyline.demo_site [--port N]``."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from storyline.demo_site.server import DemoSite


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted; return the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m storyline.demo_site", description="Serve the offline demo news site."
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument(
        "--anchor-date",
        type=date.fromisoformat,
        default=None,
        help="newest publication day, YYYY-MM-DD (default: today in UTC)",
    )
    args = parser.parse_args(argv)
    try:
        site = DemoSite(anchor_date=args.anchor_date, port=args.port)
        address = site.start()
    except (ValueError, OSError) as error:
        print(f"cannot start the demo site: {error}", file=sys.stderr)
        return 2
    print(address, flush=True)
    print(
        f"Serving {site.base_url}/robots.txt and {site.base_url}/sitemap-index.xml "
        f"(anchor date {site.anchor_date}); Ctrl-C to stop.",
        file=sys.stderr,
        flush=True,
    )
    print(f"export STORYLINE_DEMO_HOST={address}", file=sys.stderr, flush=True)
    try:
        site.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
