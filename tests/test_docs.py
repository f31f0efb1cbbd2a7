"""The documentation site builds with ``mkdocs build --strict`` (a broken link or anchor fails),
fetches nothing from the internet when viewed, and its command-line reference lists every command
and option the parsers have; the README keeps its Quick start and links only to pages that exist."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"

sys.path.insert(0, str(DOCS))
import gen_cli  # noqa: E402  (docs/gen_cli.py: the CLI reference generator)

# The two commands CI and the team rely on: the Quick start keeps them exactly.
QUICK_START = """```sh
python3 dev.py app      # sets up .venv and opens the app on the default local store (demo data offered on first run)
python3 dev.py test     # sets up .venv with test extras and runs ruff and the whole test suite
```"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site built with ``mkdocs build --strict`` (a broken link or anchor fails the build)."""
    out_dir = tmp_path_factory.mktemp("docs") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                          str(ROOT / "mkdocs.yml"), "--site-dir", str(out_dir)],
                         cwd=out_dir.parent, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out_dir


def test_site_builds_strict_with_every_page_and_fetches_nothing_from_outside(site):
    pages = sorted(p.relative_to(DOCS).with_suffix(".html") for p in DOCS.rglob("*.md"))
    for page in pages:
        assert (site / page).is_file(), page
    fetched = re.compile(r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)=\"(?:https?:)?//",
                         re.IGNORECASE)
    for html in site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert not fetched.search(text), f"{html.name} loads something from outside: {fetched.search(text)[0]}"
    css = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.css"))
    assert "fonts.googleapis" not in css and "@import url(http" not in css
    assert "Quick start" in (site / "getting-started.html").read_text(encoding="utf-8")


def test_site_opened_from_disk_searches_without_the_network(site):
    """In Chromium from file:// (as on an offline machine): search finds a command, and no request
    leaves the disk (Material's CDN shim for file:// search is replaced by a vendored copy)."""
    from playwright.sync_api import sync_playwright

    from tests.web.conftest import CHROMIUM_ARGS, chromium_executable

    executable = chromium_executable()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto((site / "index.html").as_uri())
            page.locator("input.md-search__input").click()
            page.keyboard.type("quarantine-invalid")
            page.locator(".md-search-result__item").first.wait_for(timeout=30_000)
            assert "matching document" in page.locator(".md-search-result__meta").inner_text()
            page.locator(".md-search-result__item a").first.click()
            page.wait_for_load_state()
            assert page.url.startswith("file://") and "quarantine-invalid" in page.content()
        finally:
            browser.close()
    outside = [url for url in requests if not url.startswith(("file:", "data:", "blob:", "about:"))]
    assert not outside, outside


def test_cli_reference_is_generated_from_the_current_parsers():
    out = subprocess.run([sys.executable, str(DOCS / "gen_cli.py"), "--check"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_cli_reference_names_every_command_and_option():
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    seen = 0
    for prog, parser in gen_cli.parsers():
        for command, _, sub in gen_cli.commands(prog, parser):
            assert f"### {command}\n" in page, f"{command} is missing from docs/cli.md"
            section = page.split(f"### {command}\n", 1)[1].split("\n### ", 1)[0]
            for action in sub._actions:
                if action.help is argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
                    continue
                for option in action.option_strings:
                    if option not in ("--home", "--as"):
                        assert option in section, f"{command} {option} is missing from docs/cli.md"
            seen += 1
    assert seen > 40  # both programs' commands were walked


def test_readme_keeps_the_quick_start_and_stays_short():
    text = README.read_text(encoding="utf-8")
    assert QUICK_START in text.split("## Quick start", 1)[1]
    assert len(text.splitlines()) <= 150


def test_readme_links_into_docs_point_at_pages_and_headings_that_exist():
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\((docs/[^)#\s]+)(?:#([^)\s]+))?\)", text)
    assert len(links) >= 10
    for path, anchor in links:
        target = ROOT / path
        assert target.is_file(), path
        if anchor:
            slugs = {_slug(h) for h in re.findall(r"(?m)^#{1,6} (.+)$", target.read_text(encoding="utf-8"))}
            assert anchor in slugs, f"{path}#{anchor}"


COMMAND_LINE = re.compile(r"(?:^|`|\$ )((?:supervisor-tui|governance-store)(?: [^`\n#]*)?)", re.MULTILINE)


def test_every_command_written_in_the_docs_exists_with_its_options():
    """Each ``supervisor-tui ...`` / ``governance-store ...`` written in the docs or the README names
    a real command, and every ``--option`` on it is one that command takes."""
    programs = dict(gen_cli.parsers())
    problems, seen = [], 0
    for page in [README, *sorted(DOCS.rglob("*.md"))]:
        text = page.read_text(encoding="utf-8").split(gen_cli.BEGIN)[0]  # the generated part is checked above
        for line in COMMAND_LINE.findall(text):
            words = line.split()
            parser = programs[words[0]]
            options = {o for a in parser._actions for o in a.option_strings}
            for word in words[1:]:
                choices = gen_cli.subcommand_names(parser)
                if word not in choices:
                    if word.startswith("-"):
                        continue
                    break
                parser = next(a.choices[word] for a in parser._actions if isinstance(a, argparse._SubParsersAction))
                options |= {o for a in parser._actions for o in a.option_strings}
            for word in words[1:]:
                flag = word.strip("[]()|,;.").split("=", 1)[0]
                if flag.startswith("--") and len(flag) > 2 and flag not in options:
                    problems.append(f"{page.name}: {line.strip()} ({flag})")
            seen += 1
    assert seen > 100
    assert not problems, "\n".join(problems)


PACKAGES = ("supervisor_tui", "storage", "sync", "screens", "checklists")
FILE_PATH = re.compile(r"`((?:\.?[\w-]+/)+[\w.-]+\.(?:py|tcss|toml|md|yml|csv))`")
_TOP = "|".join(PACKAGES)
FOLDER = re.compile(rf"`((?:{_TOP}|tests|bench|docs)/(?:[\w-]+/)*)`")
MODULE = re.compile(rf"`((?:{_TOP})(?:\.\w+)+)")


def test_file_paths_and_module_names_in_the_docs_exist():
    """A module moved (or renamed) must not leave the docs pointing at nothing."""
    missing = []
    for page in [README, *sorted(DOCS.rglob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        for path in FILE_PATH.findall(text):
            if not (ROOT / path).exists() and not any((ROOT / base / path).exists() for base in PACKAGES):
                missing.append(f"{page.name}: {path}")
        missing += [f"{page.name}: {folder}" for folder in FOLDER.findall(text) if not (ROOT / folder).is_dir()]
        for dotted in MODULE.findall(text):
            if not _resolves(dotted):
                missing.append(f"{page.name}: {dotted}")
    assert not missing, "\n".join(missing)


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def _slug(heading: str) -> str:
    """Python-Markdown's toc slug (the anchors mkdocs makes)."""
    text = unicodedata.normalize("NFKD", heading.replace("`", "")).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def test_the_checklist_example_in_the_docs_validates(cli, tmp_path):
    text = (DOCS / "records.md").read_text(encoding="utf-8")
    example = text.split("<!-- checklist-example -->", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    folder = tmp_path / "my-checklists"
    folder.mkdir()
    (folder / "scenario-example.v1.toml").write_text(example, encoding="utf-8")
    result = cli("checklists", "validate", str(folder))
    assert result.code == 0 and result.out.startswith("OK"), result.err
    (folder / "scenario-example.v1.toml").write_text(example.replace("critical = true", "critical = false"))
    assert cli("checklists", "validate", str(folder)).code == 2  # the check can fail
