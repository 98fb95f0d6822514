import { test, expect, expectNoViolations, waitForHydration } from "./fixtures";

// Refused input answers 400 by design (a search with a bad price, an empty listing form);
// Chromium logs such responses as console errors.
test.use({ allowedConsole: [/the server responded with a status of 400/] });

// The database decides what a search with no match (PostgreSQL offers close spellings) and a
// search by distance show, so those two run on both.
for (const [path, tag] of [
  ["/", []],
  ["/search?q=camera", []],
  ["/search?q=zzzz-nothing", ["@database"]],
  ["/search?near=Berlin&sort=distance&min_price=5", ["@database"]],
  ["/search?min_price=50&max_price=10", []],
  ["/login", []],
  ["/signup", []],
] as const) {
  test(`${path} passes the accessibility rules`, { tag: [...tag] }, async ({ page }) => {
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

test("the account and owner pages pass the accessibility rules", async ({ page }) => {
  // Five full page loads, each fetching its page group's wasm chunks, and five axe runs.
  test.slow();
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

  // The owner's pages: the new-listing form with its refusals shown, and the edit page.
  await page.goto("/owner/listings/new");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Publish listing" }).click();
  await expect(page.getByText("Use at least 3 characters.")).toBeVisible();
  await expectNoViolations(page);
  await page.getByLabel("Title").fill("Axe test tripod");
  await page.getByLabel("Description").fill("A sturdy aluminium tripod with a ball head and a bag.");
  await page.getByLabel("Category").selectOption({ label: "Cameras" });
  await page.getByLabel("Condition").selectOption({ label: "Good" });
  await page.getByLabel("Price per day").fill("7");
  await page.getByLabel("City").fill("Dublin, Ireland");
  await page.getByRole("button", { name: "Publish listing" }).click();
  await expect(page.getByText("Your listing is live.")).toBeVisible();
  await expectNoViolations(page);
  await page.goto("/owner/listings");
  await waitForHydration(page);
  await expectNoViolations(page);
});
