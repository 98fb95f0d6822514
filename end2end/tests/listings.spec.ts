import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { test, expect, dayText, expectNoViolations, isoDay, photo, waitForHydration } from "./fixtures";

// Refused input answers 400 and a clashing save 409, by design; Chromium logs such responses
// as console errors.
test.use({ allowedConsole: [/the server responded with a status of (400|409)/] });

const PASSWORD = "kayak tripod lantern";

async function signUp(page: Page): Promise<void> {
  await page.goto("/signup");
  await waitForHydration(page);
  await page.getByLabel("Name").fill("Olga Owner");
  await page.getByLabel("Email").fill(`olga-${Date.now()}-${randomBytes(3).toString("hex")}@example.com`);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("button", { name: "Log out", exact: true })).toBeVisible();
}

async function search(page: Page, fields: Record<string, string>): Promise<void> {
  await page.goto("/search");
  await waitForHydration(page);
  for (const [label, value] of Object.entries(fields)) {
    const field = page.getByLabel(label, { exact: true });
    if ((await field.evaluate((el) => el.tagName)) === "SELECT") {
      await field.selectOption({ label: value });
    } else {
      await field.fill(value);
    }
  }
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: /results?$/ })).toBeVisible();
}

test("an owner lists gear with photos; renters find it until its dates are blocked", { tag: "@database" }, async ({ page }) => {
  // A long journey (sign-up, a listing, an upload, eight searches): three times the timeout.
  test.slow();
  const word = `Zorblax${randomBytes(3).toString("hex")}`;
  const title = `${word} two-person tent`;
  await signUp(page);
  await page.goto("/owner");
  await page.getByRole("link", { name: "Listings" }).click();
  await page.getByRole("link", { name: "New listing" }).click();
  await waitForHydration(page);

  // A refused field is explained next to it, and what was typed stays.
  await page.getByLabel("Title").fill(title);
  await page.getByRole("button", { name: "Publish listing" }).click();
  await expect(page.getByText("Use at least 20 characters.")).toBeVisible();
  await expect(page.getByLabel("Title")).toHaveValue(title);

  await page.getByLabel("Description").fill("Light two-person tent with footprint, pegs and a repair kit.");
  await page.getByLabel("Category").selectOption({ label: "Camping" });
  await page.getByLabel("Condition").selectOption({ label: "Good" });
  await page.getByLabel("Price per day").fill("14");
  await page.getByLabel("Deposit").fill("80");
  await page.getByLabel("Quantity").fill("1");
  await page.getByLabel("City").fill("Lisbon, Portugal");
  await page.getByRole("button", { name: "Publish listing" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Edit listing" })).toBeVisible();
  await expect(page.getByText("Your listing is live.")).toBeVisible();

  await page.getByLabel("Photos", { exact: true }).setInputFiles([
    { name: "tent-front.png", mimeType: "image/png", buffer: photo(10) },
    { name: "tent-side.png", mimeType: "image/png", buffer: photo(140) },
  ]);
  await page.getByRole("button", { name: "Upload photos" }).click();
  await expect(page.getByText("Photos added: 2.")).toBeVisible();
  await expect(page.getByRole("list", { name: "Photos in order" }).getByRole("img")).toHaveCount(2);
  const editUrl = page.url().split("?")[0];

  // The calendar feed's secret address, and a new one when the old was shared by mistake.
  const feedField = page.getByLabel("Calendar feed address");
  await expect(feedField).toHaveValue(/\/calendar\/[0-9a-f]{32}\.ics$/);
  const oldFeed = await feedField.inputValue();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Get a new address" }).click();
  await expect(page.getByText("A new address is ready; the old one no longer works.")).toBeVisible();
  await expect(feedField).not.toHaveValue(oldFeed);
  const path = (url: string) => new URL(url).pathname;
  expect((await page.request.get(path(oldFeed))).status()).toBe(404);
  const fresh = await page.request.get(path(await feedField.inputValue()));
  expect(fresh.status()).toBe(200);
  expect(fresh.headers()["content-type"]).toContain("text/calendar");

  const results = page.getByRole("list", { name: "Search results" });
  const card = results.getByRole("link", { name: title });
  await search(page, { "What are you looking for?": word });
  await expect(card).toBeVisible();
  await expect(results.getByRole("img", { name: `${title}, photo 1` })).toBeVisible();
  await search(page, { "What are you looking for?": word, Category: "Camping" });
  await expect(card).toBeVisible();
  await search(page, { "What are you looking for?": word, Near: "Lisbon, Portugal", Within: "25 km" });
  await expect(card).toBeVisible();
  await expect(results.getByText(/Lisbon, Portugal · .+ away/)).toBeVisible();
  await search(page, { "What are you looking for?": word, Near: "Berlin" });
  await expect(page.getByRole("heading", { name: "No gear matches your search" })).toBeVisible();
  const [from, to] = [isoDay(30), isoDay(33)];
  await search(page, { "What are you looking for?": word, From: from, To: to });
  await expect(card).toBeVisible();

  // The owner blocks those days: the listing leaves searches for them, and only them.
  await page.goto(editUrl);
  await waitForHydration(page);
  await page.getByLabel("First day").fill(isoDay(31));
  await page.getByLabel("Last day").fill(isoDay(31));
  await page.getByLabel("Reason (only you see it)").fill("Repairs");
  await page.getByRole("button", { name: "Block dates" }).click();
  await expect(page.getByText(`Unit 1: ${dayText(31)} to ${dayText(31)} (Repairs)`)).toBeVisible();
  await search(page, { "What are you looking for?": word, From: from, To: to });
  await expect(page.getByRole("heading", { name: "No gear matches your search" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Any dates" })).toBeVisible();
  await search(page, { "What are you looking for?": word, From: isoDay(40), To: isoDay(42) });
  await expect(card).toBeVisible();
});

test("a second tab's save is refused and keeps what was typed", async ({ page, context }) => {
  await signUp(page);
  await page.goto("/owner/listings/new");
  await waitForHydration(page);
  await page.getByLabel("Title").fill("Folding ladder, 3 m");
  await page.getByLabel("Description").fill("Aluminium folding ladder, three metres, with stabiliser bar.");
  await page.getByLabel("Category").selectOption({ label: "Tools" });
  await page.getByLabel("Condition").selectOption({ label: "Good" });
  await page.getByLabel("Price per day").fill("9");
  await page.getByLabel("City").fill("Vienna, Austria");
  await page.getByRole("button", { name: "Publish listing" }).click();
  await expect(page.getByText("Your listing is live.")).toBeVisible();
  const editUrl = page.url().split("?")[0];

  const other = await context.newPage();
  await other.goto(editUrl);
  await waitForHydration(other);
  await other.getByLabel("Price per day").fill("10");
  await other.getByRole("button", { name: "Save changes" }).click();
  await expect(other.getByText("Changes saved.")).toBeVisible();

  await page.getByLabel("Title").fill("Folding ladder, 3 m, with hook");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "This listing was changed elsewhere" })).toBeVisible();
  await expect(page.getByLabel("Title")).toHaveValue("Folding ladder, 3 m, with hook");
  await other.close();
});

test("a visitor's Save asks them to sign up and brings them back; the listing is then in favourites", async ({ page }) => {
  // A long journey: sign-up, two saves, favourites and a saved search.
  test.slow();
  await page.goto("/search?q=tent");
  const card = page.locator("li.card").first();
  const title = (await card.getByRole("heading", { level: 3 }).innerText()).trim();
  // A visitor's heart on a card asks them to log in and brings them to the listing.
  await expect(card.getByRole("link", { name: `Save ${title}` })).toHaveAttribute("href", /^\/login\?next=%2Fgear%2F/);
  await card.getByRole("link", { name: title, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  const listing = new URL(page.url()).pathname;
  await waitForHydration(page);
  await page.getByRole("link", { name: "Save" }).click();
  await expect(page).toHaveURL(/\/login\?next=%2Fgear%2F/);
  await page.getByRole("main").getByRole("link", { name: "Sign up" }).click();
  await waitForHydration(page);
  await page.getByLabel("Name").fill("Rita Renter");
  await page.getByLabel("Email").fill(`rita-${Date.now()}-${randomBytes(3).toString("hex")}@example.com`);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(new RegExp(`${listing}$`));
  await waitForHydration(page);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("button", { name: "Saved" })).toHaveAttribute("aria-pressed", "true");

  // The card's heart in the results says so too, and forgets and saves again (a plain form:
  // the page comes back with the other word).
  await page.goto("/search?q=tent");
  await waitForHydration(page);
  // Seeded titles repeat: the card is the one linking this listing.
  const heart = page.locator("li.card").filter({ has: page.locator(`a[href="${listing}"]`) }).getByRole("button", { name: title });
  await expect(heart).toHaveAccessibleName(`Saved ${title}`);
  await expect(heart).toHaveAttribute("aria-pressed", "true");
  await heart.click();
  await expect(heart).toHaveAccessibleName(`Save ${title}`);
  await expect(heart).toHaveAttribute("aria-pressed", "false");
  await heart.click();
  await expect(heart).toHaveAccessibleName(`Saved ${title}`);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Favourites" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Favourites" })).toBeVisible();
  await expect(page.getByRole("link", { name: title })).toBeVisible();
  await expectNoViolations(page);
  await page.getByRole("button", { name: `Remove ${title} from favourites` }).click();
  await expect(page.getByText(/^Nothing saved yet\./)).toBeVisible();

  // A search is saved too (without its dates), listed with the favourites, and runs again.
  await page.goto(`/search?q=tent&category=camping&from=${isoDay(30)}&to=${isoDay(32)}`);
  await page.getByRole("button", { name: "Save this search" }).click();
  await expect(page).toHaveURL(/\/favourites\?saved=search/);
  await expect(page.getByText("Search saved. We'll tell you when new gear matches it.")).toBeVisible();
  const saved = page.getByRole("link", { name: "\u201ctent\u201d in Camping" });
  await expect(saved).toHaveAttribute("href", "/search?q=tent&category=camping");
  await expectNoViolations(page);
  await saved.click();
  await expect(page.getByLabel("What are you looking for?")).toHaveValue("tent");
  await page.goto("/favourites");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Remove saved search \u201ctent\u201d in Camping" }).click();
  await expect(page.getByText(/^No saved searches\./)).toBeVisible();
});
