"""The page registry wires every page: its address, its /api/<key> call with a typed response, the navigation,
its template and ES module, and the browser tests' page list; adding a page touches its own three files and its
declaration in the registry (shown on a throwaway page in a copy of the package)."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from junshi import connect
from junshi.api import create_app
from junshi.api.pages.registry import PAGES, page_api
from junshi.web import STATIC_DIR, TEMPLATE_DIR

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "junshi"
TOKEN = "pages-token-0123456789abcdef"

EXAMPLE_VIEW = '''
"""An example page: the shop's name."""
from junshi.api.models import Model
from junshi.api.pages import PageApi
from junshi.api.state import EngineDep


class ExampleResponse(Model):
    name: str | None


def get_example(engine: EngineDep) -> ExampleResponse:
    return engine.cached(("example",), lambda shop: ExampleResponse(name=shop.settings["name"]))


API = PageApi(endpoint=get_example, response=ExampleResponse)
'''
EXAMPLE_DECLARATION = '''    Page(
        key="example", path="/example", title=Text("Example", "示例"), summary="An example", needs_period=False,
        text={"hello": Text("Hello", "你好")},
    ),
)
'''
EXAMPLE_JS = '''import { api, el } from "../junshi.js";
export default async function example() {
  const x = await api("example");
  document.getElementById("example").append(el("b", { text: x.name }));
}
'''
EXAMPLE_TEMPLATE = '''{% extends "base.html" %}
{% from "macros.html" import panel %}
{% block content %}{% call panel(t.hello) %}<p id="example"></p>{% endcall %}{% endblock %}
'''
CHECK = '''
import importlib.util, json, sys
from fastapi.testclient import TestClient
from junshi import connect
from junshi.api import create_app
connect(sys.argv[1]).close()
c = TestClient(create_app(sys.argv[1], sys.argv[2]))
c.headers["Authorization"] = "Bearer " + sys.argv[2]
spec = importlib.util.spec_from_file_location("browser", sys.argv[3])
browser = importlib.util.module_from_spec(spec)
spec.loader.exec_module(browser)
schema = c.get("/openapi.json").json()
ref = schema["paths"]["/api/example"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
print(json.dumps({
    "page": c.get("/example?lang=en").text,
    "nav": c.get("/data").text,
    "api": c.get("/api/example").json(),
    "script": c.get("/static/pages/example.js").status_code,
    "properties": sorted(schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]),
    "browser_pages": browser.PAGE_PATHS,
}))
'''


def test_the_registry_wires_every_page(tmp_path: Path) -> None:
    """Each registered page has its address with every page in its navigation, its template and ES module, and
    (when it has a call) /api/<key> documented with a response schema of named properties."""
    db = tmp_path / "shop.duckdb"
    connect(db).close()
    with TestClient(create_app(db, TOKEN)) as c:
        c.headers["Authorization"] = f"Bearer {TOKEN}"
        schema = c.get("/openapi.json").json()
        for page in PAGES:
            assert (TEMPLATE_DIR / page.template).is_file() and (STATIC_DIR / page.script).is_file(), page.key
            html = c.get(page.path).text
            assert f'import render from "/static/{page.script}"' in html, page.key
            assert all(f'data-nav="{other.key}"' in html for other in PAGES), page.key
            if page_api(page) is not None:
                ok = schema["paths"][page.api_path]["get"]["responses"]["200"]["content"]["application/json"]
                name = ok["schema"]["$ref"].rsplit("/", 1)[1]
                assert schema["components"]["schemas"][name]["properties"], page.key
    assert [p.key for p in PAGES if page_api(p) is None] == ["data"]


def test_a_page_without_its_data_says_what_to_load(tmp_path: Path) -> None:
    """An orders-only shop: 流量, 推广 and 服务 say what to load, since none of the tables their figures come from
    holds a row of the shop; the pages the orders feed say nothing. With a review loaded, 服务 is fed."""
    from test_metrics import S, load_duckdb

    order = dict(order_id="o1", buyer="b1", created_at="2024-06-01 09:00", paid_at="2024-06-01 09:00",
                 pay_amount=10.0)
    unfed = {}
    for name, rows in (("orders", {"orders": [order]}),
                       ("reviews", {"orders": [order], "reviews": [dict(review_id="r1", order_id="o1",
                                                                        created_at="2024-06-03 10:00", rating=5)]})):
        db = tmp_path / f"{name}.duckdb"
        with connect(db, S) as shop:
            load_duckdb(shop.warehouse, rows)
        with TestClient(create_app(db, TOKEN, shop=S)) as c:
            c.headers["Authorization"] = f"Bearer {TOKEN}"
            unfed[name] = {p.key: c.get(p.path, params={"lang": "en"}).text for p in PAGES}
    said = {key for key, html in unfed["orders"].items() if 'id="unfed"' in html}
    assert said == {"traffic", "marketing", "service"}
    assert "No visit data is loaded for this shop" in unfed["orders"]["traffic"]
    assert {key for key, html in unfed["reviews"].items() if 'id="unfed"' in html} == {"traffic", "marketing"}


def test_adding_a_page_touches_its_own_three_files_and_its_declaration(tmp_path: Path) -> None:
    """A throwaway page in a copy of the package: a view module, an ES module, a template and its declaration in
    the registry make the page, its call (typed in /openapi.json), its place in every page's navigation and in the
    browser tests' page list."""
    copy = tmp_path / "src" / "junshi"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "api" / "pages" / "example.py").write_text(EXAMPLE_VIEW, encoding="utf-8")
    (copy / "web" / "static" / "pages" / "example.js").write_text(EXAMPLE_JS, encoding="utf-8")
    (copy / "web" / "templates" / "example.html").write_text(EXAMPLE_TEMPLATE, encoding="utf-8")
    registry = copy / "api" / "pages" / "registry.py"
    text = registry.read_text(encoding="utf-8")
    registry.write_text(text.replace("\n)\n", "\n" + EXAMPLE_DECLARATION, 1), encoding="utf-8")

    assert _changed(PACKAGE, copy) == {
        "api/pages/example.py", "api/pages/registry.py", "web/static/pages/example.js", "web/templates/example.html",
    }
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    run = subprocess.run(
        [sys.executable, "-c", CHECK, str(tmp_path / "shop.duckdb"), TOKEN, str(ROOT / "tests" / "test_browser.py")],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert "<h1>Example</h1>" in found["page"] and "Hello" in found["page"]
    assert 'import render from "/static/pages/example.js"' in found["page"]
    assert 'href="/example"' in found["nav"] and 'data-nav="example"' in found["nav"]
    assert found["api"] == {"name": "default"} and found["script"] == 200  # an empty shop is named by its id
    assert found["properties"] == ["name"]
    assert found["browser_pages"]["example"] == "/example"


def _changed(original: Path, copy: Path) -> set[str]:
    """Files of ``copy`` added or different from ``original`` (paths relative to the package)."""
    out: set[str] = set()

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        for name in cmp.right_only:
            path = Path(cmp.right) / name
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            out.update(f"{prefix}{p.relative_to(cmp.right)}" for p in files)
        out.update(f"{prefix}{name}" for name in cmp.diff_files)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(original, copy, ignore=["__pycache__"]), "")
    return out
