import { randomBytes } from "node:crypto";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { test, expect, dayText, enrolTwoFactor, fillCard, fillListing, isoDay, logInAfterAWrongPassword, totp, waitForHydration } from "./fixtures";

// Every form works as plain HTML, before the wasm has arrived or without it: a success goes
// where the page would go, a refusal draws the page again with the message next to its field
// and what was typed kept. These people browse with JavaScript turned off.

const PASSWORD = "kayak tripod lantern";
let contexts: BrowserContext[] = [];

test.beforeEach(() => {
  contexts = [];
});

test.afterEach(async () => {
  await Promise.all(contexts.map((context) => context.close()));
});

// A browser without JavaScript, from an address of its own (sign-ups are limited per address).
async function plainBrowser(browser: Browser, javaScriptEnabled = false): Promise<Page> {
  const [a, b, c] = randomBytes(3);
  const context = await browser.newContext({
    javaScriptEnabled,
    extraHTTPHeaders: { "x-forwarded-for": `10.${a}.${b}.${c}` },
  });
  contexts.push(context);
  return context.newPage();
}

function uniqueEmail(who: string): string {
  return `${who}-${randomBytes(5).toString("hex")}@example.com`;
}

async function signUp(page: Page, name: string, email = uniqueEmail(name.split(" ")[0].toLowerCase())): Promise<string> {
  await page.goto("/signup");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("button", { name: "Log out", exact: true })).toBeVisible();
  return email;
}

async function publish(owner: Page, title: string): Promise<string> {
  await owner.goto("/owner/listings/new");
  await fillListing(owner, title, { included: "Stove\nGas canister" });
  await owner.getByRole("button", { name: "Publish listing" }).click();
  await expect(owner.getByText("Your listing is live.")).toBeVisible();
  return owner.url().match(/listings\/([0-9a-f-]{36})\/edit/)![1];
}

// From the listing's dates to a paid request; answers the booking's address.
async function requestToBook(renter: Page, listing: string, from: number, to: number): Promise<string> {
  await renter.goto(`/gear/${listing}`);
  await renter.getByLabel("From", { exact: true }).fill(isoDay(from));
  await renter.getByLabel("To", { exact: true }).fill(isoDay(to));
  await renter.getByRole("button", { name: "Request to book" }).click();
  await expect(renter.getByRole("heading", { level: 1, name: "Check out" })).toBeVisible();
  await fillCard(renter);
  await renter.getByRole("button", { name: "Pay and request to book" }).click();
  await expect(renter.getByText("Status: Requested")).toBeVisible();
  expect(renter.url()).toMatch(/\/bookings\/[0-9a-f-]{36}$/);
  return renter.url();
}

test("sign-up and login refuse next to the field, keep what was typed, and sign in", async ({ browser }) => {
  const page = await plainBrowser(browser);
  const email = uniqueEmail("ada");
  await page.goto("/signup");
  await page.getByLabel("Name").fill("Ada Lovelace");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "at least 8 characters" })).toBeVisible();
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Name")).toHaveValue("Ada Lovelace");
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await expect(page.getByLabel("Password")).toHaveValue("");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("button", { name: "Log out", exact: true })).toBeVisible();

  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();
  await page.goto("/login?next=%2Fbookings");
  await logInAfterAWrongPassword(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/bookings$/);
  await expect(page.getByRole("button", { name: "Log out", exact: true })).toBeVisible();
});

test("two-factor is set up, and a login with it asks for the code and refuses a wrong one", async ({ browser }) => {
  const enrol = await plainBrowser(browser);
  const email = await signUp(enrol, "Grace Hopper");
  const secret = await enrolTwoFactor(enrol, PASSWORD, false);
  await expect(enrol.getByRole("list", { name: "Backup codes" }).getByRole("listitem")).toHaveCount(10);
  // Shown once: the page drawn again has the count, not the codes.
  await enrol.reload();
  await expect(enrol.getByText("Backup codes left: 10.")).toBeVisible();
  await expect(enrol.getByRole("list", { name: "Backup codes" })).toHaveCount(0);

  await enrol.getByLabel("Name", { exact: true }).fill("Grace B. Hopper");
  await enrol.getByRole("button", { name: "Save profile" }).click();
  await expect(enrol.getByRole("status").filter({ hasText: "Profile saved." })).toBeVisible();
  await expect(enrol.getByLabel("Name", { exact: true })).toHaveValue("Grace B. Hopper");

  const page = await plainBrowser(browser);
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  const code = page.getByLabel("Authentication code");
  await expect(code).toBeVisible();
  await expect(page.getByRole("link", { name: "Log in again" })).toHaveAttribute("href", "/login?next=%2F");
  await code.fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("alert").first()).toBeVisible();
  await expect(page.getByLabel("Authentication code")).toHaveValue("");
  await page.getByLabel("Authentication code").fill(totp(secret, Math.floor(Date.now() / 1000) + 30));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("button", { name: "Log out", exact: true })).toBeVisible();
});

test("an owner lists gear and edits it, refused fields kept", async ({ browser }) => {
  const owner = await plainBrowser(browser);
  await signUp(owner, "Olga Owner");
  await owner.goto("/owner/listings/new");
  await owner.getByLabel("Description").fill("A two-burner stove with a wind shield.");
  await owner.getByLabel("Price per day").fill("12");
  await expect(owner.getByLabel("Instant booking")).not.toBeChecked();
  await owner.getByLabel("Instant booking").check();
  await owner.getByRole("button", { name: "Publish listing" }).click();
  await expect(owner.getByLabel("Title")).toHaveAttribute("aria-invalid", "true");
  await expect(owner.getByLabel("Instant booking")).toBeChecked();
  await expect(owner.getByLabel("Description")).toHaveValue("A two-burner stove with a wind shield.");
  await expect(owner.getByLabel("Price per day")).toHaveValue("12");

  const title = `Camping stove ${randomBytes(3).toString("hex")}`;
  const id = await publish(owner, title);
  await owner.getByLabel("Price per day").fill("25");
  await owner.getByRole("button", { name: "Save changes" }).click();
  await expect(owner.getByText("Changes saved.")).toBeVisible();
  await expect(owner.getByLabel("Price per day")).toHaveValue("25");
  // Another form on the page lands on the page without the save's notice.
  await owner.getByLabel("First day").fill(isoDay(31));
  await owner.getByLabel("Last day").fill(isoDay(31));
  await owner.getByLabel("Reason (only you see it)").fill("Repairs");
  await owner.getByRole("button", { name: "Block dates" }).click();
  await expect(owner.getByText(`Unit 1: ${dayText(31)} to ${dayText(31)} (Repairs)`)).toBeVisible();
  await expect(owner.getByText("Changes saved.")).toHaveCount(0);
  await owner.goto(`/gear/${id}`);
  await expect(owner.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(owner.getByText("€25").first()).toBeVisible();
});

test("a visitor's payment asks them to log in; a member's books", async ({ browser }) => {
  const owner = await plainBrowser(browser);
  await signUp(owner, "Olga Owner");
  const listing = await publish(owner, `Lantern ${randomBytes(3).toString("hex")}`);

  const visitor = await plainBrowser(browser);
  await visitor.goto(`/gear/${listing}`);
  await visitor.getByLabel("From", { exact: true }).fill(isoDay(5));
  await visitor.getByLabel("To", { exact: true }).fill(isoDay(7));
  await visitor.getByRole("button", { name: "Request to book" }).click();
  await expect(visitor.getByRole("heading", { level: 1, name: "Check out" })).toBeVisible();
  // Asked to log in before the card form, not after filling it; signing up comes back here.
  await expect(visitor.getByRole("heading", { level: 2, name: "Log in to book" })).toBeVisible();
  await expect(visitor.getByLabel("Card number")).toHaveCount(0);
  await expect(visitor.getByRole("main").getByRole("link", { name: "Log in", exact: true })).toHaveAttribute(
    "href", `/login?next=${encodeURIComponent(`/gear/${listing}/checkout?from=${isoDay(5)}&to=${isoDay(7)}`)}`);
  await visitor.getByRole("main").getByRole("link", { name: "Sign up" }).click();
  await visitor.getByLabel("Name").fill("Vera Visitor");
  await visitor.getByLabel("Email").fill(`vera-${Date.now()}-${randomBytes(3).toString("hex")}@example.com`);
  await visitor.getByLabel("Password").fill(PASSWORD);
  await visitor.getByRole("button", { name: "Create account" }).click();
  await expect(visitor).toHaveURL(new RegExp(`/gear/${listing}/checkout\\?from=${isoDay(5)}&to=${isoDay(7)}$`));
  await expect(visitor.getByRole("heading", { level: 2, name: "Log in to book" })).toHaveCount(0);
  await expect(visitor.getByLabel("Card number")).toHaveValue("");

  const renter = await plainBrowser(browser);
  await signUp(renter, "Rita Renter");
  await requestToBook(renter, listing, 5, 7);
});

test("an owner accepts one request and declines another; a renter cancels", async ({ browser }) => {
  const title = `Tent ${randomBytes(3).toString("hex")}`;
  const owner = await plainBrowser(browser);
  await signUp(owner, "Olga Owner");
  const listing = await publish(owner, title);
  const rita = await plainBrowser(browser);
  await signUp(rita, "Rita Renter");
  const ritas = await requestToBook(rita, listing, 10, 12);
  const rob = await plainBrowser(browser);
  await signUp(rob, "Rob Renter");
  await requestToBook(rob, listing, 20, 22);

  await owner.goto("/owner/requests");
  const robsCard = owner.getByRole("article", { name: `Rob Renter wants ${title}` });
  // The browser asks for a reason by itself; a blank one is the server's to refuse.
  await robsCard.getByLabel("Reason for declining").fill(" ");
  await robsCard.getByRole("button", { name: "Decline" }).click();
  await expect(robsCard.getByText("Tell the renter why you decline.")).toBeVisible();
  await expect(owner.getByRole("article", { name: `Rita Renter wants ${title}` }).getByText("Tell the renter why you decline.")).toHaveCount(0);
  await robsCard.getByLabel("Reason for declining").fill("Away that week.");
  await robsCard.getByRole("button", { name: "Decline" }).click();
  await expect(owner.getByRole("article", { name: `Rob Renter wants ${title}` })).toHaveCount(0);
  await owner.getByRole("article", { name: `Rita Renter wants ${title}` }).getByRole("button", { name: "Accept" }).click();
  await expect(owner.getByText("No requests are waiting for you.")).toBeVisible();

  await rob.reload();
  await expect(rob.getByText("Status: Declined")).toBeVisible();
  await expect(rob.getByText("Away that week.").first()).toBeVisible();
  // Nothing was taken from Rob's card, and his list says so rather than showing a total.
  await rob.goto("/bookings");
  await expect(rob.getByRole("row").filter({ hasText: title })).toContainText("Nothing charged");

  await rita.goto(ritas);
  await expect(rita.getByText("Status: Paid")).toBeVisible();
  await rita.getByRole("link", { name: "Cancel booking" }).click();
  await expect(rita.getByRole("group", { name: "Cancel this booking?" }).getByText(/^(You get all .+ back\.|Under the .+ cancellation policy you get)/)).toBeVisible();
  await rita.getByLabel("Reason for cancelling (optional)").fill("Plans changed.");
  await rita.getByRole("button", { name: "Yes, cancel booking" }).click();
  await expect(rita.getByText("Status: Cancelled")).toBeVisible();
  // She had been charged: the timeline says refunded, with the amount.
  await expect(rita.getByText(/^Cancelled by the renter: Plans changed\. Refunded €[\d.]+ \(rental/)).toBeVisible();
});

test("pickup is confirmed by both sides, the checklist tick required", async ({ browser }) => {
  const owner = await plainBrowser(browser);
  await signUp(owner, "Olga Owner");
  const listing = await publish(owner, `Stove ${randomBytes(3).toString("hex")}`);
  const renter = await plainBrowser(browser);
  await signUp(renter, "Rita Renter");
  const booking = await requestToBook(renter, listing, 0, 2);
  await owner.goto("/owner/requests");
  await owner.getByRole("button", { name: "Accept" }).click();
  await expect(owner.getByText("No requests are waiting for you.")).toBeVisible();

  await renter.goto(booking);
  await renter.getByLabel("Condition notes").fill("Small dent in the lid.");
  await renter.getByRole("button", { name: "Confirm pickup" }).click();
  await expect(renter.getByLabel("Everything on the checklist is there")).toHaveAttribute("aria-invalid", "true");
  await expect(renter.getByLabel("Condition notes")).toHaveValue("Small dent in the lid.");
  await renter.getByLabel("Everything on the checklist is there").check();
  await renter.getByRole("button", { name: "Confirm pickup" }).click();
  await expect(renter.getByText("Waiting for the owner to confirm the pickup.")).toBeVisible();
  await owner.goto(booking);
  await expect(owner.getByText("Small dent in the lid.")).toBeVisible();
  await owner.getByLabel("Everything on the checklist is there").check();
  await owner.getByRole("button", { name: "Confirm pickup" }).click();
  await expect(owner.getByText("Status: Picked up")).toBeVisible();
});

test("the search filters work as a plain form", async ({ browser }) => {
  const page = await plainBrowser(browser);
  await page.goto("/search");
  await page.getByLabel("What are you looking for?").fill("camera");
  await page.getByRole("button", { name: "Search" }).first().click();
  await expect(page).toHaveURL(/[?&]q=camera/);
  await expect(page.getByRole("heading", { level: 1, name: /^\d+ results?$/ })).toBeVisible();
  await expect(page.getByRole("list", { name: "Search results" }).getByRole("heading", { level: 3 }).first()).toBeVisible();
  await page.getByLabel("Category").selectOption({ label: "Cameras" });
  await page.getByRole("button", { name: "Search" }).first().click();
  await expect(page).toHaveURL(/[?&]category=cameras/);
  await expect(page).toHaveURL(/[?&]q=camera/);
  await expect(page.getByLabel("Category")).toHaveValue("cameras");

  // On a phone the filters and the header's links open from their buttons without any script.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByLabel("Category")).toBeHidden();
  await page.getByRole("button", { name: /^Filters/ }).click();
  await expect(page.getByLabel("Category")).toHaveValue("cameras");
  await page.getByRole("button", { name: "Close" }).click();
  await expect(page.getByLabel("Category")).toBeHidden();
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Log in" })).toBeHidden();
  await nav.getByRole("button", { name: "Menu" }).click();
  await nav.getByRole("link", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/login/);
});

test("a form sent before the wasm arrives is refused on its own page, which the wasm then takes over", async ({ browser }) => {
  // JavaScript runs but the wasm has not come yet: a phone on a slow network.
  const page = await plainBrowser(browser, true);
  let wasmArrives = false;
  await page.route(/\.wasm$/, (route) => (wasmArrives ? route.continue() : route.abort()));
  const problems: string[] = [];
  page.on("console", (message) => {
    if (wasmArrives && (message.type() === "error" || message.type() === "warning")) problems.push(message.text());
  });
  page.on("pageerror", (error) => wasmArrives && problems.push(error.message));
  // The first page's scripts fail to start without their wasm: wait until it says so, so that
  // its failure, reported late, is not counted against the page drawn after the refusal.
  const failedToStart = page.waitForEvent("console", (message) => message.text().includes("could not start its scripts"));
  await page.goto("/login");
  await failedToStart;
  await page.getByLabel("Email").fill("nobody@example.com");
  await page.getByLabel("Password").fill("not the password");
  wasmArrives = true;
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByText("That email and password don't match an account.")).toBeVisible();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByLabel("Email")).toHaveValue("nobody@example.com");
  // The wasm starts from the same refusal: the page stays as it was drawn.
  await waitForHydration(page);
  await expect(page.getByText("That email and password don't match an account.")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue("nobody@example.com");
  expect(problems).toEqual([]);
  // A reload asks for the page again rather than sending the form twice.
  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: "Log in" })).toBeVisible();
  await expect(page.getByText("That email and password don't match an account.")).toHaveCount(0);
});
