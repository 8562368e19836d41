"""Write the configuration `make book` builds with: ``_config.yml`` and the addresses given.

The repository's address is a build input, never a constant (README, "Where the published
book gets its addresses"):

- ``BOOK_REPOSITORY``: the repository the book is built from, an https address. The book
  workflow passes the one it runs in. Unset, the address of ``git remote get-url origin`` is
  used when it is a public https address; ``BOOK_REPOSITORY=none`` builds without one.
  With it, every page has repository, issue, edit and Binder buttons; without it, none.
- ``BOOK_BRANCH``: the branch those buttons point at (``main``).
- ``BOOK_SITE_URL``: where the site is served. It becomes the pages' canonical address, and
  ``scripts/package_book.py`` writes it into the chapters a reader downloads.
- ``BOOK_JUPYTERHUB_URL``: an institution's JupyterHub, for a JupyterHub button (which also
  needs a repository: the hub pulls the chapter from it).

``_config.yml`` itself names no address, so a build that skips this script has no buttons
that lead nowhere.

    python scripts/book_config.py OUT [--execute off] [--toc TOC]

Raises SystemExit with a message for an address that is not a plain https one.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Addresses", "addresses", "book_config", "https_address"]

ROOT = Path(__file__).resolve().parents[1]
OPT_OUT = "none"


class Addresses:
    """The addresses a build was given; ``None`` for those it was not."""

    def __init__(
        self,
        repository: str | None = None,
        site_url: str | None = None,
        jupyterhub_url: str | None = None,
        branch: str = "main",
    ) -> None:
        self.repository = repository
        self.site_url = site_url
        self.jupyterhub_url = jupyterhub_url
        self.branch = branch


def https_address(value: str, name: str) -> str:
    """``value`` without a trailing ``/`` or ``.git``.

    Raises:
        ValueError: unless it is an https address with a host and no user, password, query
            or fragment, made of the characters such an address needs (no quotes, no ``<``).
    """
    parts = urllib.parse.urlsplit(value.strip())
    if (
        parts.scheme != "https"
        or not parts.hostname
        or parts.username
        or parts.password
        or parts.query
        or parts.fragment
    ):
        raise ValueError(
            f"{name} must be an https address such as https://github.com/OWNER/REPOSITORY, "
            f"with no user name or password in it; got {value!r}"
        )
    path = parts.path.rstrip("/").removesuffix(".git")
    if re.search(r"[^A-Za-z0-9.:-]", parts.netloc) or re.search(r"[^A-Za-z0-9._~/%-]", path):
        raise ValueError(f"{name} has characters no repository address needs: {value!r}")
    return urllib.parse.urlunsplit(("https", parts.netloc, path, "", ""))


def _origin(root: Path) -> str | None:
    """``git remote get-url origin`` when it is a public https address, else None."""
    try:
        found = subprocess.run(
            ["git", "remote", "get-url", "origin"],
            cwd=root, capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    try:
        return https_address(found.stdout, "origin") if found.returncode == 0 else None
    except ValueError:  # ssh, a local path, or an address with credentials: not for readers
        return None


def addresses(environ: dict[str, str], root: Path = ROOT) -> Addresses:
    """The addresses in ``environ`` (the ``BOOK_*`` variables), the git remote as a fallback.

    Raises:
        ValueError: for a value that is not a plain https address.
    """
    repository = environ.get("BOOK_REPOSITORY", "").strip()
    if repository.lower() == OPT_OUT:
        chosen = None
    elif repository:
        chosen = https_address(repository, "BOOK_REPOSITORY")
    else:
        chosen = _origin(root)
    site = environ.get("BOOK_SITE_URL", "").strip()
    hub = environ.get("BOOK_JUPYTERHUB_URL", "").strip()
    return Addresses(
        repository=chosen,
        site_url=https_or_local(site, "BOOK_SITE_URL") if site else None,
        jupyterhub_url=https_address(hub, "BOOK_JUPYTERHUB_URL") if hub else None,
        branch=environ.get("BOOK_BRANCH", "").strip() or "main",
    )


def https_or_local(value: str, name: str) -> str:
    """An https address, or an http one on this machine (a site served for a test).

    Raises:
        ValueError: for anything else.
    """
    parts = urllib.parse.urlsplit(value.strip())
    if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost"):
        return "http" + https_address("https" + value.strip()[4:], name)[5:]
    return https_address(value, name)


def book_config(
    base: dict[str, Any], given: Addresses, execute: str | None = None
) -> dict[str, Any]:
    """``base`` (``_config.yml``, read) with the buttons that ``given`` can fill in."""
    config = dict(base)
    html = dict(config.get("html", {}))
    has_repository = given.repository is not None
    for button in ("use_repository_button", "use_issues_button", "use_edit_page_button"):
        html[button] = has_repository
    if given.site_url:
        html["baseurl"] = given.site_url + "/"
    config["html"] = html
    launch: dict[str, str] = {}
    if has_repository:
        config["repository"] = {"url": given.repository, "path_to_book": "", "branch": given.branch}
        launch = {"notebook_interface": "jupyterlab", "binderhub_url": "https://mybinder.org"}
        if given.jupyterhub_url:
            launch["jupyterhub_url"] = given.jupyterhub_url
    else:
        config.pop("repository", None)
    config["launch_buttons"] = launch
    sphinx = dict(config.get("sphinx", {}))
    # The configuration is read from elsewhere: the local extensions stay in this repository.
    sphinx["local_extensions"] = {
        name: str(ROOT / folder) for name, folder in sphinx.get("local_extensions", {}).items()
    }
    config["sphinx"] = sphinx
    if execute is not None:
        config["execute"] = {**config.get("execute", {}), "execute_notebooks": execute}
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the configuration file to write")
    parser.add_argument("--execute", choices=["off", "cache", "force"], help="override")
    args = parser.parse_args(argv)
    try:
        given = addresses(dict(os.environ))
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    base = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config = book_config(base, given, args.execute)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    print(
        f"book addresses: repository {given.repository or 'none (no repository buttons)'}, "
        f"site {given.site_url or 'not given'}, JupyterHub {given.jupyterhub_url or 'none'}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
