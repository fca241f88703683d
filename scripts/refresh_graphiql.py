#!/usr/bin/env python3
"""Refresh the GraphiQL page and the assets it loads, served by the API itself so that
GraphiQL works without internet access (see README.md, "GraphiQL offline").

    .venv/bin/python scripts/refresh_graphiql.py

What it does:

1. Reads strawberry's own GraphiQL page (strawberry/static/graphiql.html in the installed
   strawberry): the npm packages, versions, files and SRI hashes it loads from unpkg.com.
2. `npm pack`s those exact versions from the npm registry into a temporary folder and checks
   every file against the page's `integrity` hash (so the bytes are the ones strawberry pins),
   then `npm install`s them there too, to read the licences of what their bundles contain.
3. Writes, replacing what was there:
   - static/graphiql/<package>@<version>/<file>: the files, at the paths unpkg serves them;
   - static/graphiql/<package>@<version>/LICENSE: the package's licence (a package published
     without one takes that of a package from the same repository);
   - static/graphiql/<package>@<version>/THIRD_PARTY_LICENSES.txt: the licences of the
     packages its bundle contains (from its source map, else its runtime dependencies);
   - static/graphiql.html: strawberry's page with `https://unpkg.com/` replaced by
     `/graphiql/`. server.py serves it at GET /graphql with a Content-Security-Policy that
     allows only this origin and the page's own inline blocks (by hash).

Needs Node.js and npm, and the network; nothing else here does. Commit the result.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import strawberry

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
ASSETS = STATIC / "graphiql"
PAGE = STATIC / "graphiql.html"
CDN = "https://unpkg.com/"
LOCAL = "/graphiql/"
LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "license", "LICENSE-MIT")
TAG = re.compile(
    r"<(?:script|link)\b[^>]*?(?:src|href)=\"(https://unpkg\.com/[^\"]+)\"[^>]*>", re.S
)
INTEGRITY = re.compile(r"integrity=\"(sha\d+)-([^\"]+)\"")
URL = re.compile(r"https://unpkg\.com/((?:@[^/@]+/)?[^/@]+)@([^/]+)/(.+)")


@dataclass
class Asset:
    package: str
    version: str
    path: str  # inside the package
    algorithm: str
    digest: str  # base64, as in the integrity attribute

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}"


def strawberry_page() -> str:
    return (Path(strawberry.__file__).parent / "static" / "graphiql.html").read_text()


def assets_of(page: str) -> list[Asset]:
    found = []
    for match in TAG.finditer(page):
        url = URL.fullmatch(match[1])
        integrity = INTEGRITY.search(match[0])
        if not url or not integrity:
            sys.exit(f"cannot pin {match[1]}: no package@version path or no integrity hash")
        found.append(Asset(url[1], url[2], url[3], integrity[1], integrity[2]))
    if not found:
        sys.exit("strawberry's GraphiQL page loads nothing from unpkg.com: check the script")
    return found


def npm(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["npm", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def unpack(spec: str, into: Path) -> Path:
    """`npm pack` a package into `into` and return its unpacked folder."""
    into.mkdir(exist_ok=True)
    tarball = npm("pack", "--silent", spec, cwd=into).strip().splitlines()[-1]
    folder = into / tarball.removesuffix(".tgz")
    folder.mkdir()
    subprocess.run(["tar", "-xzf", str(into / tarball), "-C", str(folder)], check=True)
    return folder / "package"


def digest(data: bytes, algorithm: str) -> str:
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def licence_file(folder: Path) -> Path | None:
    return next((folder / n for n in LICENCE_NAMES if (folder / n).is_file()), None)


def repository(manifest: dict) -> str:
    repo = manifest.get("repository") or ""
    url = repo.get("url", "") if isinstance(repo, dict) else repo
    return re.sub(r"^(git\+)?(https?|git|ssh)://(git@)?|\.git$", "", url).lower()


def bundled(package_dir: Path, asset_paths: list[str], modules: Path) -> list[str]:
    """The npm packages a package's bundles contain: from the source maps next to them, else
    (no map) its runtime dependencies, transitively."""
    names: set[str] = set()
    mapped = False
    for path in asset_paths:
        source_map = package_dir / (path + ".map")
        if source_map.is_file():
            mapped = True
            for source in json.loads(source_map.read_text()).get("sources", []):
                inner = re.findall(r"node_modules/((?:@[^/]+/)?[^/]+)", source)
                if inner:
                    names.add(inner[-1])
    if not mapped:
        todo = list(json.loads((package_dir / "package.json").read_text()).get("dependencies", {}))
        while todo:
            name = todo.pop()
            if name in names:
                continue
            names.add(name)
            manifest = modules / name / "package.json"
            if manifest.is_file():
                todo += list(json.loads(manifest.read_text()).get("dependencies", {}))
    own = json.loads((package_dir / "package.json").read_text())["name"]
    return sorted(names - {own})


def third_party(names: list[str], modules: Path, owner: str) -> str:
    parts = [
        f"Licences of the npm packages bundled in {owner}'s files, as installed by npm for\n"
        f"its dependency ranges, or their latest release for those bundled at build time\n"
        f"(scripts/refresh_graphiql.py).\n"
    ]
    for name in names:
        folder = modules / name
        if not (folder / "package.json").is_file():
            # Bundled at build time, not a runtime dependency: its latest release's licence.
            folder = unpack(name, modules.parent.parent / "extra")
        manifest = json.loads((folder / "package.json").read_text())
        text = licence_file(folder)
        body = text.read_text(errors="replace").strip() if text else None
        if body is None:
            author = manifest.get("author")
            author = author.get("name") if isinstance(author, dict) else author
            body = (
                f"No licence file in the npm package. package.json: license "
                f"{manifest.get('license')}, author {author or '(none given)'}, repository "
                f"{repository(manifest) or '(none given)'}."
            )
        parts.append(f"{'=' * 78}\n{name}@{manifest.get('version')}\n{'=' * 78}\n{body}\n")
    return "\n".join(parts)


def main() -> None:
    if not shutil.which("npm"):
        sys.exit("npm is needed (apt-get install -y npm)")
    page = strawberry_page()
    assets = assets_of(page)
    specs = list(dict.fromkeys(a.spec for a in assets))
    with tempfile.TemporaryDirectory(prefix="graphiql-") as tmp:
        work = Path(tmp)
        packed = {}
        for spec in specs:
            packed[spec] = unpack(spec, work / "packed")
        (work / "installed").mkdir()
        npm("init", "-y", cwd=work / "installed")
        npm(
            "install",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--legacy-peer-deps",
            *specs,
            cwd=work / "installed",
        )
        modules = work / "installed" / "node_modules"

        out = Path(tmp) / "out"
        for asset in assets:
            source = packed[asset.spec] / asset.path
            data = source.read_bytes()
            if digest(data, asset.algorithm) != asset.digest:
                sys.exit(f"{asset.spec}/{asset.path}: not the bytes strawberry's page pins")
            target = out / asset.spec / asset.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for spec in specs:
            package_dir = packed[spec]
            manifest = json.loads((package_dir / "package.json").read_text())
            own = licence_file(package_dir)
            if own is None:  # e.g. @graphiql/plugin-explorer: the monorepo's licence
                sibling = next(
                    (
                        packed[other]
                        for other in specs
                        if other != spec
                        and licence_file(packed[other])
                        and repository(json.loads((packed[other] / "package.json").read_text()))
                        == repository(manifest)
                    ),
                    None,
                )
                own = licence_file(sibling) if sibling else None
            if own is None:
                sys.exit(f"{spec} has no licence file, nor a sibling from its repository")
            (out / spec / "LICENSE").write_text(own.read_text())
            paths = [a.path for a in assets if a.spec == spec]
            names = bundled(package_dir, paths, modules)
            if names:
                (out / spec / "THIRD_PARTY_LICENSES.txt").write_text(
                    third_party(names, modules, spec)
                )
        if ASSETS.exists():
            shutil.rmtree(ASSETS)
        shutil.copytree(out, ASSETS)
    STATIC.mkdir(exist_ok=True)
    PAGE.write_text(page.replace(CDN, LOCAL))
    print(f"GraphiQL assets: {', '.join(specs)} in {ASSETS.relative_to(ROOT)}")
    print(f"page: {PAGE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
