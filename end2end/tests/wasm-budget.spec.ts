import { gzipSync } from "node:zlib";
import { test, expect, waitForHydration } from "./fixtures";
import type { Page } from "@playwright/test";

// What a first visit downloads before the page answers clicks: the JavaScript and wasm under
// /pkg/ that the browser fetched until hydration, each compressed as the wire would carry it
// (gzip -9). The wasm is split by page group (app::PageGroup), so a public page must not carry the
// owner's, the admin's or the booking pages' code. The budget is the measured download of
// 2026-12-05 (the listing page, 473,927 bytes, the largest of the three) plus 3.4 %
// (docs/status.md); lower it as the wasm shrinks, raise it only with a reason in the commit.
// Raised to 515,000 on 2026-12-06: the listing page measured 501,076 here with messages and
// notifications (their counts, live events and routes are on every page), plus 2.8 %. The
// jump before that (+41.7 KB) was wasm-split leaving every page's strings in the core;
// .cargo/config.toml keeps one data segment per static so that it cannot happen again.
// Raised to 545,000 on 2026-12-06 (afternoon): the listing page measured 531,688 with its
// reviews (drawn on the server; the page only fetches their HTML) and the owner's profile
// link, plus 2.5 %. Drawn in the browser the reviews had cost 81 KB, then 55 KB.
// Raised to 553,000 on 2026-12-07: the listing page measured 549,355 (541,080 the day
// before): the footer's four text pages are lazy routes of their own (+2.6 KB in the core)
// and wasm-split spread the rest (+5.7 KB) over chunks the listing page shares with the
// checkout and the entry pages. The cards' hearts and the owner's note on a paused listing
// are drawn on the server to keep it at that (as an ActionForm the heart cost 32 KB).
// Raised to 585,000 on 2026-12-07 (second session): the listing page measured 576,802 with
// the calendar's days as buttons (a range, today, a legend, announcements), the phone's
// booking bar and the header's menu button, which is on every page. To trim next: the
// calendar's cells are built by one closure per day.
// Raised to 600,000 on 2026-12-07 (third session): the listing page measured 586,036 with
// the member's time zone (its offsets travel with every page), the visitor's currency beside
// each price and the shared field code of the place suggestions; the home page grew most
// (504,033 to 532,584) with the suggestions' combobox on "Near". To trim next: the
// calendar's cells (drawn on the server, one delegated handler) and the suggestions'
// request in a lazy chunk fetched on first typing.
const BUDGET_BYTES = 600_000;

type Download = { file: string; raw: number; gzip: number };

async function firstVisit(page: Page, path: string): Promise<Download[]> {
  const pending: Promise<Download>[] = [];
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith("/pkg/") && /\.(js|wasm)$/.test(url.pathname)) {
      pending.push(
        response.body().then((body) => ({
          file: url.pathname.slice("/pkg/".length),
          raw: body.length,
          gzip: gzipSync(body, { level: 9 }).length,
        })),
      );
    }
  });
  await page.goto(path);
  await waitForHydration(page);
  // Hydration waits for the route's chunks; the network going quiet catches any straggler.
  await page.waitForLoadState("networkidle");
  return Promise.all(pending);
}

function total(downloads: Download[]): number {
  return downloads.reduce((sum, d) => sum + d.gzip, 0);
}

test("a first visit to a public page downloads the core and that page's chunk only", async ({ page, browser }) => {
  await page.goto("/search?q=camera");
  const listing = await page.locator('a[href^="/gear/"]').first().getAttribute("href");
  expect(listing).toMatch(/^\/gear\/[0-9a-f-]+$/);

  const report: string[] = [];
  const visits: Record<string, Download[]> = {};
  for (const path of ["/", "/search?q=camera", listing!, "/login"]) {
    // A new context each time: nothing cached from the visit before.
    const context = await browser.newContext();
    const fresh = await context.newPage();
    visits[path] = await firstVisit(fresh, path);
    await context.close();
    report.push(
      `${path.padEnd(48)} ${String(total(visits[path])).padStart(8)} B gzip  ` +
        visits[path].map((d) => `${d.file} ${d.gzip}`).join(", "),
    );
  }
  console.log(`first-visit downloads (gzip -9):\n${report.join("\n")}`);

  for (const path of ["/", "/search?q=camera", listing!]) {
    const files = visits[path].map((d) => d.file);
    // The page's own chunk came: the wasm is split, not one file.
    expect(files.filter((f) => f.endsWith(".wasm")).length, `${path}: ${files}`).toBeGreaterThan(1);
    expect(total(visits[path]), `${path}: ${files}`).toBeLessThanOrEqual(BUDGET_BYTES);
  }
  // The home page does not fetch the listing page's chunk, and the listing page fetches one
  // the home page did not: each route brings its own code.
  const home = new Set(visits["/"].map((d) => d.file));
  expect(visits[listing!].some((d) => !home.has(d.file))).toBe(true);
});
