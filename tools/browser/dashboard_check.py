"""Drives Debian's Chromium (headless, through Playwright) through the dashboard as its users do.

Usage: dashboard_check.py BASE_URL AUDITOR_TOKEN INSPECTOR_TOKEN INSPECTOR_UNIT FOREIGN_DOSSIER SHOTS_DIR

Signs in as the auditor, opens the overview, follows a unit's bar down to the unit, a late dossier
down to its case history, downloads the late list's CSV; signs out; signs in as the inspector and
checks that its pages show only its unit's subtree (another unit's dossier is "not found").
Writes a screenshot of each page kind (1366x768) and prints one JSON object of what it saw.
"""
import csv, io, json, os, re, sys, zipfile
from playwright.sync_api import sync_playwright

base, auditor, inspector, own_unit, foreign, shots = sys.argv[1:7]
seen = {"console_errors": [], "pages": []}


def watch(page):
    page.on("console", lambda m: seen["console_errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["console_errors"].append(str(e)))
    page.on("response", lambda r: seen["console_errors"].append(f"{r.status} {r.url}") if r.status >= 400 else None)


def sign_in(page, token):
    page.goto(base + "/dashboard")  # redirected to the sign-in form
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/dashboard")


def shot(page, name):
    page.screenshot(path=os.path.join(shots, name + ".png"))
    seen["pages"].append(name)


args = ["--no-sandbox"] if os.geteuid() == 0 else []
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    watch(page)

    sign_in(page, auditor)
    seen["overview_cards"] = page.locator(".card").count()
    seen["overview_bars"] = page.locator("svg.bars a").count()
    seen["overview_months"] = page.locator("svg.months a").count()
    shot(page, "overview")
    page.locator("svg.bars a").first.click()
    page.wait_for_load_state()
    seen["unit_url"] = page.url
    seen["unit_heading"] = page.locator("h1").inner_text()
    shot(page, "unit")
    page.goto(base + "/dashboard/late")
    codes = page.locator("tbody tr td:first-child a").all_inner_texts()
    seen["late_rows"] = len(codes)
    with page.expect_download() as download:
        page.click(".download a")
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    seen["csv_codes"] = [r[0] for r in rows[1:] if r and not r[0].startswith("#")]
    seen["csv_matches_page"] = seen["csv_codes"] == codes
    with page.expect_download() as download:
        page.click(".download a >> nth=1")
    with zipfile.ZipFile(download.value.path()) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    seen["xlsx_has_page_codes"] = len(codes) > 0 and all(code in sheet for code in codes)
    # Sorted by a column: the header is a link, the order follows, the CSV keeps it.
    page.click("thead th:first-child a")
    page.wait_for_load_state()
    ascending = page.locator("tbody tr td:first-child a").all_inner_texts()
    seen["sorted_ascending"] = ascending == sorted(ascending) and page.locator("th[aria-sort=ascending]").count() == 1
    page.click("thead th:first-child a")
    page.wait_for_load_state()
    descending = page.locator("tbody tr td:first-child a").all_inner_texts()
    seen["sorted_descending"] = descending == sorted(descending, reverse=True) and page.locator("th[aria-sort=descending]").count() == 1
    with page.expect_download() as download:
        page.click(".download a >> nth=0")
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    seen["sorted_csv_matches_page"] = [r[0] for r in rows[1:] if r and not r[0].startswith("#")] == descending
    page.goto(base + "/dashboard/late")
    shot(page, "late")
    page.locator("tbody tr td:first-child a").first.click()
    page.wait_for_load_state()
    seen["dossier_heading"] = page.locator("h1").inner_text()
    seen["dossier_chain_ok"] = page.locator("p.ok").count() == 1
    seen["dossier_events"] = page.locator("tbody tr").count()
    seen["dossier_strip"] = page.locator("svg rect").count()
    shot(page, "dossier")
    with page.expect_download() as download:
        page.click(".download a")
    bundle = json.load(open(download.value.path(), encoding="utf-8"))
    seen["proof_bundle"] = {"format": bundle["format"], "dossier": bundle["dossier"], "events": len(bundle["events"]),
                            "proofs": all(e["inclusion_proof"] for e in bundle["events"])}
    # The state as of the first event: one event, as the form asks it.
    first = re.search(r"(\d\d)/(\d\d)/(\d{4}) (\d\d:\d\d)", page.locator("tbody tr:first-child td:nth-child(2)").inner_text())
    if first:
        page.fill("#at", f"{first.group(3)}-{first.group(2)}-{first.group(1)}T{first.group(4)}")
        page.click("form.period button")
        page.wait_for_load_state()
        seen["as_of_url"] = page.url
        seen["as_of_events"] = page.locator("tbody tr").count()
    page.goto(base + "/dashboard/due-soon")
    seen["due_soon_rows"] = page.locator("tbody tr td:first-child a").count()
    shot(page, "due-soon")
    page.goto(base + "/dashboard/accountability")
    seen["accountability_rows"] = page.locator("tbody tr").count()
    shot(page, "accountability")
    # A count down to its dossiers: the first row's first count (steps held), then one of them.
    counts = page.locator("tbody tr:first-child td.n a")
    seen["accountability_count_links"] = counts.count()
    if counts.count() > 0:
        expected = int(counts.first.inner_text().replace(".", ""))
        counts.first.click()
        page.wait_for_load_state()
        seen["count_url"] = page.url
        seen["count_rows_match"] = int(page.locator("main > p .sum").inner_text().replace(".", "")) == expected
        shot(page, "accountability-dossiers")
        page.locator("tbody tr td:first-child a").first.click()
        page.wait_for_load_state()
        seen["count_to_dossier"] = page.url
    page.goto(base + "/dashboard/scorecard")
    seen["scorecard_rows"] = page.locator("tbody tr").count()
    shot(page, "scorecard")
    page.goto(base + "/dashboard?period=2026-Q3&cut_off_15th=true")
    seen["cut_off_kept"] = page.locator("input[name=cut_off_15th]").is_checked() and page.locator(".card").count() == 7
    page.click("nav form button")  # sign out
    page.wait_for_url(base + "/dashboard/sign-in")
    seen["signed_out"] = page.goto(base + "/dashboard").url.endswith("/dashboard/sign-in")

    sign_in(page, inspector)
    page.goto(base + "/dashboard/late")
    holders = page.locator("tbody tr td:nth-child(8)").all_inner_texts()
    seen["inspector_late_rows"] = len(holders)
    seen["inspector_rows_in_subtree"] = all(h == own_unit or h.startswith(own_unit + ".") for h in holders)
    seen["inspector_bars"] = page.goto(base + "/dashboard") and page.locator("svg.bars a").count()
    shot(page, "inspector-overview")
    # What follows asks for what the inspector may not see: the browser logs those 404s itself.
    errors, seen["console_errors"] = seen["console_errors"], []
    seen["inspector_foreign_dossier"] = page.goto(base + "/dashboard/dossiers/" + foreign).status
    seen["inspector_foreign_unit"] = page.goto(base + "/dashboard/units/H19").status
    seen["inspector_foreign_row"] = page.goto(base + "/dashboard/accountability/dossiers?by=unit&row=H19").status
    seen["inspector_foreign_proof"] = page.request.get(base + "/dashboard/dossiers/" + foreign + "/proof").status
    seen["refusals_logged"], seen["console_errors"] = len(seen["console_errors"]), errors
    browser.close()

print(json.dumps(seen, ensure_ascii=False))
