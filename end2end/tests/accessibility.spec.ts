import AxeBuilder from "@axe-core/playwright";
import { test, expect, waitForHydration } from "./fixtures";

// axe-core's WCAG 2.1 A and AA rules (labels, contrast, landmarks, heading order, ...) on each
// page of the slice, after hydration.
async function expectNoViolations(page: import("@playwright/test").Page): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"])
    .analyze();
  const found = results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`,
  );
  expect(found).toEqual([]);
}

for (const path of ["/", "/search?q=camera", "/search?q=zzzz-nothing"]) {
  test(`${path} passes the accessibility rules`, async ({ page }) => {
    await page.goto(path);
    await waitForHydration(page);
    await expectNoViolations(page);
  });
}

test("a listing with a quote passes the accessibility rules", async ({ page }) => {
  await page.goto("/search");
  const href = await page
    .getByRole("list", { name: "Search results" })
    .getByRole("link")
    .first()
    .getAttribute("href");
  await page.goto(`${href}?from=2099-03-01&to=2099-03-04`);
  await waitForHydration(page);
  await expect(page.getByText("Total", { exact: true })).toBeVisible();
  await expectNoViolations(page);
});
