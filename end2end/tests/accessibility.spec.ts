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

for (const path of ["/", "/search?q=camera", "/search?q=zzzz-nothing", "/login", "/signup"]) {
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

test("the account page passes the accessibility rules", async ({ page }) => {
  await page.goto("/signup");
  await waitForHydration(page);
  await page.getByLabel("Name").fill("Axe Tester");
  await page.getByLabel("Email").fill(`axe-${Date.now()}@example.com`);
  await page.getByLabel("Password").fill("kayak tripod lantern");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("button", { name: "Log out", exact: true })).toBeVisible();
  await page.goto("/account");
  await waitForHydration(page);
  await page.getByLabel("Password, to set up two-factor").fill("kayak tripod lantern");
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  await expectNoViolations(page);
});
