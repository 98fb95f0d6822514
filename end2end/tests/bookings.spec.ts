import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, ConsoleMessage, Page } from "@playwright/test";
import { test, expect, enrolTwoFactor, expectNoViolations, fillCard, fillListing, isoDay, photo, waitForHydration } from "./fixtures";

const PASSWORD = "kayak tripod lantern";

// What the people of the running test saw go wrong in their browsers. Each person has a
// browser context of their own, which the `page` fixture's console check does not watch.
// Going offline on purpose (the live catch-up test) fails the page's open stream.
const ALLOWED = /the server responded with a status of (400|409)|ERR_INTERNET_DISCONNECTED/;
// On PostgreSQL a second instance serves the same database: the live tests put the two sides
// of a change on different instances. Empty (the one instance) on SQLite.
const ELSEWHERE = process.env.GEARSHARE_E2E_SECOND_URL ?? "";
let contexts: BrowserContext[] = [];
let problems: string[] = [];

test.beforeEach(() => {
  contexts = [];
  problems = [];
});

test.afterEach(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  expect(problems, "console errors and warnings").toEqual([]);
});

// Someone with an account, in a browser of their own. Each person comes from an address of
// their own (the e2e server trusts X-Forwarded-For): sign-ups are limited per address.
async function person(browser: Browser, name: string): Promise<Page> {
  const [a, b, c] = randomBytes(3);
  const context = await browser.newContext({
    extraHTTPHeaders: { "x-forwarded-for": `10.${a}.${b}.${c}` },
  });
  contexts.push(context);
  const page = await context.newPage();
  page.on("console", (message: ConsoleMessage) => {
    if ((message.type() === "error" || message.type() === "warning") && !ALLOWED.test(message.text())) {
      problems.push(`${name}: ${message.type()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`${name}: page error: ${error.message}`));
  await page.goto("/signup");
  await waitForHydration(page);
  await page.getByLabel("Name").fill(name);
  const handle = name.split(" ")[0].toLowerCase();
  await page.getByLabel("Email").fill(`${handle}-${randomBytes(4).toString("hex")}@example.com`);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("button", { name: "Log out", exact: true })).toBeVisible();
  return page;
}

// The owner publishes a listing and returns its id.
async function publish(
  owner: Page,
  title: string,
  { instant = false, quantity = 1, included = "" } = {},
): Promise<string> {
  await owner.goto("/owner/listings/new");
  await waitForHydration(owner);
  await fillListing(owner, title, { quantity, included, instant });
  await owner.getByRole("button", { name: "Publish listing" }).click();
  await expect(owner.getByText("Your listing is live.")).toBeVisible();
  const match = owner.url().match(/listings\/([0-9a-f-]{36})\/edit/);
  expect(match).not.toBeNull();
  return match![1];
}

// The renter opens the listing and fills in the dates; the live quote answers.
async function pickDates(renter: Page, listing: string, from: number, to: number, base = ""): Promise<void> {
  await renter.goto(`${base}/gear/${listing}`);
  await waitForHydration(renter);
  await renter.getByLabel("From", { exact: true }).fill(isoDay(from));
  await renter.getByLabel("To", { exact: true }).fill(isoDay(to));
  await expect(renter.getByRole("definition").filter({ hasText: "€" }).last()).toBeVisible();
  await expect(renter.getByText("Total", { exact: true })).toBeVisible();
}

// From the listing's booking form through the checkout: the card pays, the booking opens.
async function checkout(
  renter: Page,
  { instant = false, card = "4242 4242 4242 4242", submit = true } = {},
): Promise<void> {
  await renter.getByRole("button", { name: instant ? "Book now" : "Request to book" }).click();
  await expect(renter.getByRole("heading", { level: 1, name: "Check out" })).toBeVisible();
  await waitForHydration(renter);
  await fillCard(renter, card);
  if (submit) await pay(renter, instant);
}

function pay(renter: Page, instant = false, timeout?: number): Promise<void> {
  const name = instant ? "Pay and book now" : "Pay and request to book";
  return renter.getByRole("button", { name }).click({ timeout });
}

test("a request reaches the owner's open page, and the answer the renter's, without a reload", { tag: "@database" }, async ({ browser }) => {
  test.slow();
  const title = `Trekking tent ${randomBytes(3).toString("hex")}`;
  const owner = await person(browser, "Olga Owner");
  const listing = await publish(owner, title);
  // The owner's requests are open before the request comes (on the other instance, if any).
  await owner.goto(`${ELSEWHERE}/owner/requests`);
  await waitForHydration(owner);
  await expect(owner.getByText("No requests are waiting for you.")).toBeVisible();
  await expect(owner.getByRole("link", { name: "Dashboard", exact: true })).toBeVisible();
  const renter = await person(browser, "Rita Renter");

  await pickDates(renter, listing, 20, 23);
  await checkout(renter);
  await expect(renter.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(renter.getByText("Status: Requested")).toBeVisible();
  await expect(renter.getByRole("button", { name: "Accept" })).toHaveCount(0);
  await waitForHydration(renter);
  // "Cancel booking" asks first, saying what it does to the money; "Keep booking" keeps it.
  await renter.getByRole("link", { name: "Cancel booking" }).click();
  const confirm = renter.getByRole("group", { name: "Cancel this booking?" });
  await expect(confirm.getByText(/^Nothing is charged: the .+ authorised on your card is released\./)).toBeVisible();
  await expect(renter.getByRole("heading", { name: "Cancel this booking?" })).toBeFocused();
  await expect(confirm.getByRole("button", { name: "Yes, cancel booking" })).toBeVisible();
  await expectNoViolations(renter);
  await confirm.getByRole("link", { name: "Keep booking" }).click();
  await expect(confirm).toHaveCount(0);
  await expect(renter.getByText("Status: Requested")).toBeVisible();
  await expect(renter.getByRole("link", { name: "Cancel booking" })).toBeVisible();

  // The request appears on the owner's page, and the navigation counts it, on every page.
  const card = owner.getByRole("article", { name: `Rita Renter wants ${title}` });
  await expect(card).toBeVisible({ timeout: 2_000 });
  await expect(owner.getByRole("link", { name: "Dashboard (1 request waiting)" })).toBeVisible();
  await expect(owner.getByRole("status").filter({ hasText: "A new booking request has arrived." })).toHaveCount(1);
  await expectNoViolations(owner);
  await card.getByRole("button", { name: "Accept" }).click();
  await expect(owner.getByText("No requests are waiting for you.")).toBeVisible();
  await expect(owner.getByRole("link", { name: title })).toBeVisible();
  await expect(owner.getByRole("link", { name: "Dashboard", exact: true })).toBeVisible();

  // The renter's page turns without a reload: accepting captured the payment at once.
  await expect(renter.getByText("Status: Paid")).toBeVisible({ timeout: 2_000 });
  await expect(renter.getByRole("status").filter({ hasText: "This booking was just updated" })).toHaveCount(1);
  await expect(renter.getByRole("list").filter({ hasText: "Accepted by the owner" })).toBeVisible();
  await expect(renter.getByRole("row").filter({ hasText: "Card charged" })).toContainText("€66.00");
  await expect(renter.getByText("Card ending 4242")).toBeVisible();
  await renter.getByRole("link", { name: "Your bookings" }).click();
  await expect(renter.getByRole("row").filter({ hasText: title })).toContainText("Paid");
  await expectNoViolations(renter);

  // The only unit is taken: the calendar marks the days, and the quote says so.
  await renter.goto(`/gear/${listing}`);
  await expect(renter.getByRole("cell", { name: /\(booked\)/ }).first()).toBeVisible();
  await waitForHydration(renter);
  await renter.getByLabel("From", { exact: true }).fill(isoDay(21));
  await renter.getByLabel("To", { exact: true }).fill(isoDay(22));
  await expect(renter.getByText(/^Some of those days/)).toBeVisible();
});

// Olga lists `title`; Rita asks to book it from day 12 to 14 and waits on her booking's page.
async function requested(browser: Browser, title: string): Promise<{ owner: Page; renter: Page; listing: string }> {
  const owner = await person(browser, "Olga Owner");
  const listing = await publish(owner, title);
  const renter = await person(browser, "Rita Renter");
  await pickDates(renter, listing, 12, 14);
  await checkout(renter);
  await expect(renter.getByText("Status: Requested")).toBeVisible();
  return { owner, renter, listing };
}

test("a declined request shows the owner's reason and frees the dates", { tag: "@database" }, async ({ browser }) => {
  test.slow();
  const title = `Camping stove ${randomBytes(3).toString("hex")}`;
  const { owner, renter, listing } = await requested(browser, title);
  const bookingUrl = renter.url();

  await owner.goto("/owner/requests");
  await waitForHydration(owner);
  const card = owner.getByRole("article", { name: `Rita Renter wants ${title}` });
  // A decline needs a reason; the refusal is shown next to the field.
  await card.getByLabel("Reason for declining").fill(" ");
  await card.getByRole("button", { name: "Decline" }).click();
  await expect(card.getByText("Tell the renter why you decline.")).toBeVisible();
  await card.getByLabel("Reason for declining").fill("The stove is being serviced that week.");
  await card.getByRole("button", { name: "Decline" }).click();
  await expect(owner.getByText("No requests are waiting for you.")).toBeVisible();

  await renter.goto(bookingUrl);
  await expect(renter.getByText("Status: Declined")).toBeVisible();
  await expect(renter.getByText("The stove is being serviced that week.").first()).toBeVisible();
  await expect(renter.getByRole("link", { name: "Cancel booking" })).toHaveCount(0);
  // Nothing was taken: the authorisation and the deposit hold were released.
  await expect(renter.getByRole("row").filter({ hasText: "Authorisation released" })).toBeVisible();
  await expect(renter.getByRole("row").filter({ hasText: "Deposit released" })).toBeVisible();
  await expect(renter.getByRole("row").filter({ hasText: "Card charged" })).toHaveCount(0);

  // The dates are free again.
  await pickDates(renter, listing, 12, 14);
  await checkout(renter);
  await expect(renter.getByText("Status: Requested")).toBeVisible();
});

test("a new request rings the owner's bell live; its entry leads to the answer, which reads it", { tag: "@database" }, async ({ browser }) => {
  test.slow();
  const title = `Head torch ${randomBytes(3).toString("hex")}`;
  const owner = await person(browser, "Olga Owner");
  const listing = await publish(owner, title);
  // The owner's dashboard is open before the request comes (on the other instance, if any).
  await owner.goto(`${ELSEWHERE}/owner`);
  await waitForHydration(owner);
  const nav = owner.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Notifications", exact: true })).toBeVisible();

  const renter = await person(browser, "Rita Renter");
  await pickDates(renter, listing, 12, 14);
  await checkout(renter);
  await expect(renter.getByText("Status: Requested")).toBeVisible();

  const bell = nav.getByRole("link", { name: "Notifications (1 unread)" });
  await expect(bell).toBeVisible({ timeout: 5_000 });
  await bell.click();
  await expect(owner.getByRole("heading", { level: 1, name: "Notifications" })).toBeVisible();
  await expect(owner.getByText(`Rita Renter asked to book ${title}.`)).toBeVisible();
  await expectNoViolations(owner);
  await owner.getByRole("link", { name: "Answer the request" }).click();
  await expect(owner).toHaveURL(/\/owner\/requests$/);
  await waitForHydration(owner);
  const card = owner.getByRole("article", { name: `Rita Renter wants ${title}` });
  await card.getByRole("button", { name: "Accept" }).click();
  await expect(owner.getByText("No requests are waiting for you.")).toBeVisible();
  // Answering read it; the renter, whose booking page is open, reads the answer there.
  await expect(nav.getByRole("link", { name: "Notifications", exact: true })).toBeVisible({ timeout: 5_000 });
  await expect(renter.getByText("Status: Paid")).toBeVisible({ timeout: 5_000 });
  const renterNav = renter.getByRole("navigation", { name: "Main" });
  await expect(renterNav.getByRole("link", { name: "Notifications", exact: true })).toBeVisible({ timeout: 5_000 });
  await renter.goto("/notifications");
  await expect(renter.getByText(`Olga Owner accepted your request for ${title}.`)).toBeVisible();
  await expect(renter.getByText("All read.")).toBeVisible();
});

// The plain-text part of the email in the outbox whose subject is `subject`, decoded from
// quoted-printable; "" while there is none.
function emailText(subject: string): string {
  const outbox = process.env.GEARSHARE_E2E_OUTBOX ?? "";
  if (!existsSync(outbox)) return "";
  for (const file of readdirSync(outbox).filter((f: string) => f.endsWith(".eml"))) {
    const raw = readFileSync(join(outbox, file), "utf8").replace(/\r\n/g, "\n");
    if (!raw.includes(`\nSubject: ${subject}\n`)) continue;
    // The parts, between the boundary lines (the text's own "-- " signature line is not one).
    const boundary = /boundary="([^"]+)"/.exec(raw)?.[1] ?? "";
    const part = raw.split(`--${boundary}`).find((p: string) => p.includes("Content-Type: text/plain")) ?? "";
    const body = part.slice(part.indexOf("\n\n") + 2);
    return body
      .replace(/=\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_: string, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return "";
}

test("the owner's new-request email opens the request, and its footer unsubscribes", async ({ browser }) => {
  test.slow();
  const title = `Light stand ${randomBytes(3).toString("hex")}`;
  const { owner } = await requested(browser, title);

  // The job queue writes the email within a poll or two.
  let text = "";
  await expect
    .poll(() => (text = emailText(`Rita Renter asked to book ${title}`)), { timeout: 10_000 })
    .not.toBe("");
  expect(text).toContain("Hello Olga Owner,");
  await owner.goto(/Answer the request: (\S+)/.exec(text)![1]);
  await expect(owner.getByRole("article", { name: `Rita Renter wants ${title}` })).toBeVisible();

  // The footer's link, opened wherever the email is read: no session needed.
  const reader = await browser.newContext();
  contexts.push(reader);
  const page = await reader.newPage();
  await page.goto(/Stop emails about [^:]+: (\S+)/.exec(text)![1]);
  await waitForHydration(page);
  await expect(page.getByRole("heading", { level: 1, name: "Unsubscribe" })).toBeVisible();
  await expect(page.getByText("Stop emails about booking requests, answers and cancellations?")).toBeVisible();
  await expectNoViolations(page);
  await page.getByRole("button", { name: "Unsubscribe" }).click();
  await expect(page.getByText("You no longer get emails about booking requests, answers and cancellations.")).toBeVisible();

  // The owner's account says so, and turns it back on with a digest for messages.
  await owner.goto("/account");
  await waitForHydration(owner);
  const bookings = owner.getByRole("checkbox", { name: "Booking requests, answers and cancellations" });
  await expect(bookings).not.toBeChecked();
  await expect(owner.getByRole("checkbox", { name: "Handovers to confirm and late returns" })).toBeChecked();
  await bookings.check();
  const digest = owner.getByRole("radio", { name: "A daily digest at 08:00 of what is unread" });
  await digest.check();
  await owner.getByRole("button", { name: "Save email preferences" }).click();
  await expect(owner.getByText("Email preferences saved.")).toBeVisible();
  await owner.reload();
  await waitForHydration(owner);
  await expect(bookings).toBeChecked();
  await expect(digest).toBeChecked();
});

test("instant booking confirms at once", async ({ browser }) => {
  const title = `Paddle board ${randomBytes(3).toString("hex")}`;
  const owner = await person(browser, "Olga Owner");
  const listing = await publish(owner, title, { instant: true });
  const renter = await person(browser, "Rita Renter");
  await pickDates(renter, listing, 9, 11);
  await checkout(renter, { instant: true });
  await expect(renter.getByText("Status: Paid")).toBeVisible();
  await expect(renter.getByText("Confirmed at once (instant booking)")).toBeVisible();
});

// How the owner's calendar names day `days` after `from` (a time, UTC): "Tue 1 Dec".
function calendarDay(days: number, from: number): string {
  const day = new Date(from + days * 86_400_000);
  const weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `${weekdays[day.getUTCDay()]} ${day.getUTCDate()} ${months[day.getUTCMonth()]}`;
}

test("an owner blocks days from the calendar grid and sees a new booking appear there live", { tag: "@database" }, async ({ browser }) => {
  test.slow();
  const title = `Cinema camera ${randomBytes(3).toString("hex")}`;
  const owner = await person(browser, "Olga Owner");
  const listing = await publish(owner, title, { instant: true });
  await owner.goto("/owner");
  await owner.getByRole("link", { name: "Calendar", exact: true }).click();
  await expect(owner.getByRole("heading", { level: 1, name: "Calendar" })).toBeVisible();
  await expect(owner.getByRole("link", { name: "Month", exact: true })).toHaveAttribute("aria-current", "page");

  // The week holding day 14, from its Monday (8 to 14 days from now), on the other instance.
  // One "now" for the whole test, so that midnight passing midway changes no day's name.
  const now = Date.now();
  const weekday = new Date(now + 14 * 86_400_000).getUTCDay();
  const monday = 14 - ((weekday + 6) % 7);
  await owner.goto(`${ELSEWHERE}/owner/calendar?view=week&from=${isoDay(14)}`);
  await waitForHydration(owner);
  const grid = owner.getByRole("table");
  await expect(grid.getByRole("columnheader", { name: calendarDay(monday, now) })).toBeVisible();
  await expect(grid.getByRole("rowheader", { name: new RegExp(`^${title}.*Unit 1$`) })).toBeVisible();
  const pick = (day: number) => grid.getByRole("button", { name: `Pick ${calendarDay(day, now)} for ${title}, Unit 1` });

  // Arrow keys walk the row; two picks choose the days to block.
  await pick(monday + 1).focus();
  await owner.keyboard.press("ArrowRight");
  await expect(pick(monday + 2)).toBeFocused();
  await pick(monday + 1).click();
  await expect(pick(monday + 1)).toHaveAttribute("aria-pressed", "true");
  await pick(monday + 2).click();
  const panel = owner.getByRole("region", { name: "Block or free days" });
  await expect(panel).toContainText(`Block ${title}, Unit 1 from ${calendarDay(monday + 1, now)} to ${calendarDay(monday + 2, now)}.`);
  await panel.getByLabel("Reason (only you see it)").fill("Sensor clean");
  await panel.getByRole("button", { name: "Block dates" }).click();
  await expect(panel.getByRole("status")).toHaveText(`Blocked ${calendarDay(monday + 1, now)} to ${calendarDay(monday + 2, now)} on ${title}, Unit 1.`);
  const block = grid.getByRole("button", { name: new RegExp(`^Blocked \\(Sensor clean\\), ${calendarDay(monday + 1, now)} to ${calendarDay(monday + 2, now)}`) });
  await expect(block).toBeVisible();
  await expect(pick(monday + 1)).toHaveCount(0);
  await expectNoViolations(owner);

  // A renter books the end of the week; the owner's open grid shows it without a reload.
  const renter = await person(browser, "Rita Renter");
  await pickDates(renter, listing, monday + 4, monday + 6);
  await checkout(renter, { instant: true });
  await expect(renter.getByText("Status: Paid")).toBeVisible();
  const booking = grid.getByRole("link", { name: `Booking: Rita Renter, paid, ${calendarDay(monday + 4, now)} to ${calendarDay(monday + 5, now)}` });
  await expect(booking).toBeVisible({ timeout: 5_000 });
  await expect(pick(monday + 4)).toHaveCount(0);

  // The block is removed from the grid, and its days can be picked again.
  await block.click();
  await expect(panel).toContainText("Blocked (Sensor clean)");
  await panel.getByRole("button", { name: "Remove block" }).click();
  await expect(panel.getByRole("status")).toHaveText(`Block removed from ${title}, Unit 1.`);
  await expect(pick(monday + 1)).toBeVisible();
  await expect(block).toHaveCount(0);

  // Insights: the chart is named, and its numbers are in a table.
  await owner.goto("/owner/insights?days=30");
  await expect(owner.getByRole("heading", { level: 1, name: "Insights" })).toBeVisible();
  await expect(owner.getByRole("img", { name: /Utilisation per listing, last 30 days/ })).toBeVisible();
  // Its unit was added today: no day of the last 30 could be rented yet.
  await expect(owner.getByRole("row", { name: new RegExp(`^${title} 0 0 0%`) })).toBeVisible();
  await expect(owner.getByRole("link", { name: "Last 30 days" })).toHaveAttribute("aria-current", "page");
  await waitForHydration(owner);
  await expectNoViolations(owner);
});

test("a listing page shows days booked in another browser at once, and a checkout that they were just taken", { tag: "@database" }, async ({ browser }) => {
  test.slow();
  const title = `Camp stove ${randomBytes(3).toString("hex")}`;
  const owner = await person(browser, "Olga Owner");
  const listing = await publish(owner, title, { instant: true });
  // The watcher and the payer are on the other instance, if there is one.
  const watcher = await person(browser, "Wendy Watcher");
  await pickDates(watcher, listing, 20, 23, ELSEWHERE);
  await expect(watcher.getByRole("cell", { name: /\(booked\)/ })).toHaveCount(0);
  const payer = await person(browser, "Paula Payer");
  await pickDates(payer, listing, 21, 22, ELSEWHERE);
  await checkout(payer, { instant: true, submit: false });
  const pay = payer.getByRole("button", { name: "Pay and book now" });
  await expect(pay).toBeEnabled();
  // A visitor's search for those dates finds it, unmarked.
  const [a, b, c] = randomBytes(3);
  const visit = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": `10.${a}.${b}.${c}` } });
  contexts.push(visit);
  const searcher = await visit.newPage();
  await searcher.goto(`/search?q=${encodeURIComponent(title)}&from=${isoDay(20)}&to=${isoDay(23)}`);
  await waitForHydration(searcher);
  const found = searcher.getByRole("list", { name: "Search results" }).getByRole("listitem").filter({ hasText: title });
  await expect(found).toBeVisible();
  await expect(found.getByText("Just booked")).toHaveCount(0);

  const renter = await person(browser, "Rita Renter");
  await pickDates(renter, listing, 20, 23);
  await checkout(renter, { instant: true });
  await expect(renter.getByText("Status: Paid")).toBeVisible();
  // No reload: the watcher's calendar crosses the days out, the form warns, and what they
  // typed stays; screen readers hear it once.
  await expect(watcher.getByRole("cell", { name: /\(booked\)/ }).first()).toBeVisible({ timeout: 2_000 });
  await expect(watcher.getByText(/^Some of those days/)).toBeVisible();
  await expect(watcher.getByLabel("From", { exact: true })).toHaveValue(isoDay(20));
  await expect(watcher.getByLabel("To", { exact: true })).toHaveValue(isoDay(23));
  await expect(watcher.getByRole("status").filter({ hasText: "Availability updated" })).toHaveCount(1);
  // The owner raises the price: the watcher's page shows it at once, and says so.
  // The booking form's price (a phone's bar repeats it, hidden at this width).
  const price = (text: string) => watcher.getByRole("listitem").filter({ hasText: text });
  await expect(price("€20.00 / day")).toBeVisible();
  await owner.getByLabel("Price per day").fill("25");
  await owner.getByRole("button", { name: "Save changes" }).click();
  await expect(owner.getByText("Changes saved.")).toBeVisible();
  await expect(price("€25.00 / day")).toBeVisible({ timeout: 2_000 });
  await expect(watcher.getByText("The owner has just changed this listing").first()).toBeVisible();
  await expect(watcher.getByLabel("From", { exact: true })).toHaveValue(isoDay(20));
  // The search marks it, and says so once.
  await expect(found.getByText("Just booked for your dates")).toBeVisible({ timeout: 2_000 });
  await expect(searcher.getByRole("status").filter({ hasText: `${title} was just booked for your dates.` })).toHaveCount(1);
  // The payer is told before paying, keeps the card typed, and is offered other dates.
  await expect(payer.getByText("Those dates were just taken")).toBeVisible({ timeout: 2_000 });
  await expect(pay).toBeDisabled();
  await expect(payer.getByLabel("Card number")).toHaveValue("4242 4242 4242 4242");
  const other = payer.getByRole("link", { name: "Pick other dates" });
  await expect(other).toHaveAttribute("href", `/gear/${listing}?from=${isoDay(21)}&to=${isoDay(22)}`);
  await expectNoViolations(payer);
  await other.click();
  await expect(payer.getByLabel("From", { exact: true })).toHaveValue(isoDay(21));
});

test("a listing page whose stream was cut catches up with what it missed", { tag: "@database" }, async ({ browser }) => {
  test.slow();
  const title = `Bivvy bag ${randomBytes(3).toString("hex")}`;
  const owner = await person(browser, "Olga Owner");
  const listing = await publish(owner, title, { instant: true });
  const watcher = await person(browser, "Wendy Watcher");
  await pickDates(watcher, listing, 10, 12);
  const booked = watcher.getByRole("cell", { name: /\(booked\)/ });
  const renter = await person(browser, "Rita Renter");
  await pickDates(renter, listing, 10, 12);
  await checkout(renter, { instant: true });
  await expect(renter.getByText("Status: Paid")).toBeVisible();
  await expect(booked).toHaveCount(2, { timeout: 2_000 });

  // The watcher's connection drops; a booking made meanwhile cannot reach the page.
  await watcher.context().setOffline(true);
  await pickDates(renter, listing, 15, 18);
  await checkout(renter, { instant: true });
  await expect(renter.getByText("Status: Paid")).toBeVisible();
  await watcher.waitForTimeout(1_000);
  await expect(booked).toHaveCount(2);
  // Back online, the stream resumes from the last event it had and the days appear.
  await watcher.context().setOffline(false);
  await expect(booked).toHaveCount(5, { timeout: 20_000 });
  await expect(watcher.getByLabel("From", { exact: true })).toHaveValue(isoDay(10));
});

test("a renter extends a paid booking on the same unit, told first where the next booking begins", async ({ browser }) => {
  test.slow();
  const title = `Camp stove ${randomBytes(3).toString("hex")}`;
  const owner = await person(browser, "Olga Owner");
  const listing = await publish(owner, title, { instant: true });
  const renter = await person(browser, "Rita Renter");
  await pickDates(renter, listing, 30, 32);
  await checkout(renter, { instant: true });
  await expect(renter.getByText("Status: Paid")).toBeVisible();
  const booking = renter.url();
  const next = await person(browser, "Nina Next");
  await pickDates(next, listing, 36, 38);
  await checkout(next, { instant: true });
  await expect(next.getByText("Status: Paid")).toBeVisible();

  await renter.goto(booking);
  await renter.getByRole("link", { name: "Extend this booking" }).click();
  await expect(renter.getByRole("heading", { level: 1, name: "Extend your booking" })).toBeVisible();
  await renter.getByLabel("New return date").fill(isoDay(37));
  await renter.getByRole("button", { name: "See the price" }).click();
  await expect(renter.getByRole("alert").filter({ hasText: "Your unit is not available from" })).toBeVisible();
  await renter.getByLabel("New return date").fill(isoDay(34));
  await renter.getByRole("button", { name: "See the price" }).click();
  await expect(renter.getByRole("heading", { name: "Your extension" })).toBeVisible();
  await expectNoViolations(renter);
  await waitForHydration(renter);
  await renter.getByLabel("Card number").fill("4242 4242 4242 4242");
  await renter.getByLabel("Expiry (MM/YY)").fill("12/30");
  await renter.getByLabel("Security code (CVC)").fill("123");
  // Two more days at 20 and the 10 % service fee.
  await renter.getByRole("button", { name: "Pay €44.00 and extend" }).click();
  await expect(renter.getByText("Status: Paid")).toBeVisible();
  await expect(renter.getByText(/Extended by the renter until .*: €44\.00 more charged/)).toBeVisible();
  await expect(renter.getByRole("row").filter({ hasText: "Card charged" })).toHaveCount(2);
});

test("a declined card is explained next to the card number and books nothing", async ({ browser }) => {
  // Two sign-ups, a listing and two payments: it ran out of 30 s on a loaded machine.
  test.slow();
  const title = `Head torch ${randomBytes(3).toString("hex")}`;
  const owner = await person(browser, "Olga Owner");
  const listing = await publish(owner, title);
  const renter = await person(browser, "Rita Renter");
  await pickDates(renter, listing, 15, 17);
  await checkout(renter, { card: "4000 0000 0000 0002" });
  const number = renter.getByLabel("Card number");
  await expect(number).toHaveAttribute("aria-invalid", "true");
  await expect(renter.getByRole("alert").filter({ hasText: "Your card was declined" })).toBeVisible();
  await expect(number).toHaveValue("4000 0000 0000 0002");
  await expectNoViolations(renter);
  await number.fill("4242 4242 4242 4242");
  await pay(renter);
  await expect(renter.getByText("Status: Requested")).toBeVisible();
});

test("two renters race for the last unit: one books, the other is told and keeps the dates", { tag: "@database" }, async ({ browser }) => {
  test.slow();
  const title = `Climbing rope ${randomBytes(3).toString("hex")}`;
  const owner = await person(browser, "Olga Owner");
  const listing = await publish(owner, title);
  const [first, second] = [await person(browser, "Ada First"), await person(browser, "Bo Second")];
  await pickDates(first, listing, 30, 33);
  await checkout(first, { submit: false });
  await pickDates(second, listing, 31, 34);
  await checkout(second, { submit: false });
  // Both press pay at once. The second request to arrive is refused; or, when the first
  // booking reaches the other checkout before its click, that renter is told there and the
  // button no longer pays (so that click may never happen).
  await Promise.all([first, second].map((page) => pay(page, false, 5_000).catch(() => undefined)));
  const refused = (page: Page) => page.getByRole("alert").filter({ hasText: "Those dates are no longer available" });
  const told = (page: Page) => page.getByText("Those dates were just taken");
  const winners: Page[] = [];
  const losers: Page[] = [];
  for (const page of [first, second]) {
    const outcome = page.getByText("Status: Requested").or(refused(page)).or(told(page));
    // A refused renter may see both: the refusal, then the booking that took the dates.
    await expect(outcome.first()).toBeVisible();
    ((await page.getByText("Status: Requested").count()) > 0 ? winners : losers).push(page);
  }
  expect(winners).toHaveLength(1);
  expect(losers).toHaveLength(1);
  const loser = losers[0];
  await expect(refused(loser).or(told(loser)).first()).toBeVisible();
  // The checkout keeps what the renter typed, and leads back to the dates they picked.
  const expected = loser === first ? [30, 33] : [31, 34];
  await expect(loser.getByLabel("Card number")).toHaveValue("4242 4242 4242 4242");
  await loser.getByRole("link", { name: "Change dates" }).click();
  await expect(loser.getByLabel("From", { exact: true })).toHaveValue(isoDay(expected[0]));
  await expect(loser.getByLabel("To", { exact: true })).toHaveValue(isoDay(expected[1]));
});

// One side's handover: tick the checklist, note the condition, confirm.
async function confirm(page: Page, step: "pickup" | "return", note = ""): Promise<void> {
  await waitForHydration(page);
  await page.getByLabel("Everything on the checklist is there").check();
  if (note) await page.getByLabel("Condition notes").fill(note);
  await page.getByRole("button", { name: `Confirm ${step}` }).click();
}

// A booking from today: requested and paid for at the checkout, accepted by the owner (which
// takes the payment), picked up and returned, both sides confirming each step.
async function rentAndReturn(browser: Browser, title: string): Promise<{ owner: Page; renter: Page; url: string; listing: string }> {
  const owner = await person(browser, "Olga Owner");
  const listing = await publish(owner, title, { included: "Camera\nTwo batteries\nChest mount" });
  const renter = await person(browser, "Rita Renter");
  await pickDates(renter, listing, 0, 2);
  await checkout(renter);
  await expect(renter.getByText("Status: Requested")).toBeVisible();
  await expect(renter.getByRole("row").filter({ hasText: "Card authorised" })).toBeVisible();
  const url = renter.url();
  await owner.goto("/owner/requests");
  await waitForHydration(owner);
  await owner.getByRole("article", { name: `Rita Renter wants ${title}` }).getByRole("button", { name: "Accept" }).click();
  await expect(owner.getByText("No requests are waiting for you.")).toBeVisible();
  await renter.reload();
  await expect(renter.getByText("Status: Paid")).toBeVisible();

  await expect(renter.getByRole("list", { name: "Checklist" })).toContainText("Two batteries");
  await confirm(renter, "pickup", "Small scratch on the lens hood.");
  await expect(renter.getByText("Waiting for the owner to confirm the pickup.")).toBeVisible();
  await owner.goto(url);
  await expect(owner.getByText("Small scratch on the lens hood.")).toBeVisible();
  await confirm(owner, "pickup");
  await expect(owner.getByText("Status: Picked up")).toBeVisible();

  await confirm(owner, "return");
  await expect(owner.getByText("Waiting for the renter to confirm the return.")).toBeVisible();
  await renter.goto(url);
  await confirm(renter, "return");
  await expect(renter.getByText("Status: Returned")).toBeVisible();
  return { owner, renter, url, listing };
}

test("after the return both review, and each sees the other's review only once both are in", async ({ browser }) => {
  test.slow();
  const title = `Action camera ${randomBytes(3).toString("hex")}`;
  const { owner, renter, url, listing } = await rentAndReturn(browser, title);
  // The renter's open page offers the review as the gear comes back.
  await expect(renter.getByRole("heading", { name: "Leave a review" })).toBeVisible({ timeout: 5_000 });
  await expect(renter.getByText("Reviews are shown when both of you have written one, or after 14 days.")).toBeVisible();
  await waitForHydration(renter);
  await renter.getByRole("button", { name: "Publish review" }).click();
  await expect(renter.getByText("Choose from 1 to 5 stars.").first()).toBeVisible();
  await renter.getByRole("group", { name: "Overall rating" }).getByRole("radio", { name: "5 stars" }).check();
  await renter.getByRole("group", { name: "Accuracy: the gear was as described" }).getByRole("radio", { name: "4 stars" }).check();
  await renter.getByRole("group", { name: "Communication with the owner" }).getByRole("radio", { name: "5 stars" }).check();
  await renter.getByLabel("Your review").fill("Sharp footage, and Olga showed me the mounts.");
  await renter.getByRole("button", { name: "Publish review" }).click();
  await expect(renter.getByText(/^Your review is in\./)).toBeVisible();
  await expectNoViolations(renter);

  // Double-blind: the owner writes theirs without seeing the renter's.
  await owner.goto(url);
  await waitForHydration(owner);
  await expect(owner.getByRole("heading", { name: "Leave a review" })).toBeVisible();
  await expect(owner.getByText("Sharp footage, and Olga showed me the mounts.")).toHaveCount(0);
  await owner.getByRole("group", { name: "Overall rating" }).getByRole("radio", { name: "4 stars" }).check();
  await owner.getByLabel("Your review").fill("Careful renter: everything came back clean.");
  await owner.getByRole("button", { name: "Publish review" }).click();
  await expect(owner.getByText("Sharp footage, and Olga showed me the mounts.")).toBeVisible();
  // The renter's open page receives the owner's review as it is published.
  await expect(renter.getByText("Careful renter: everything came back clean.")).toBeVisible({ timeout: 5_000 });

  // The listing's rating is that review; the owner's name leads to their profile.
  await renter.goto(`/gear/${listing}`);
  await expect(renter.getByText("5.0 (1 review)").first()).toBeVisible();
  await expect(renter.getByText("Sharp footage, and Olga showed me the mounts.")).toBeVisible();
  await renter.getByRole("link", { name: "Olga Owner" }).click();
  await expect(renter.getByRole("heading", { level: 1, name: "Olga Owner" })).toBeVisible();
  await expect(renter.getByText("Sharp footage, and Olga showed me the mounts.")).toBeVisible();
  await expect(renter.getByText("Careful renter")).toHaveCount(0);
  await expect(renter.getByRole("link", { name: title })).toBeVisible();
  await expectNoViolations(renter);
});

test("pickup and return are confirmed by both sides, then the deposit is released", async ({ browser }) => {
  // The e2e server releases deposits a minute after the return.
  test.setTimeout(180_000);
  const { renter } = await rentAndReturn(browser, `Action camera ${randomBytes(3).toString("hex")}`);
  await expectNoViolations(renter);
  await expect(renter.getByRole("list").filter({ hasText: "Pickup confirmed by the renter" })).toBeVisible();
  // The open page, never reloaded, follows the clock: the booking completes first and the
  // settlement that follows releases the deposit; both reach the renter's stream.
  await expect(renter.getByText("Status: Completed")).toBeVisible({ timeout: 120_000 });
  await expect(renter.getByRole("row").filter({ hasText: "Deposit released" })).toContainText("€100.00", { timeout: 15_000 });
});

test("an owner's damage claim is resolved by an admin from the queue, and both sides see the outcome", async ({ browser }) => {
  test.slow();
  const title = `Drone ${randomBytes(3).toString("hex")}`;
  const { owner, renter, url } = await rentAndReturn(browser, title);
  await owner.goto(url);
  // A photo of the damage, kept with the booking for the renter and the admin to see.
  await owner.getByLabel("Photos of the gear").setInputFiles({ name: "crack.png", mimeType: "image/png", buffer: photo(40) });
  await owner.getByRole("button", { name: "Add photos" }).click();
  await expect(owner.getByText("Photos added: 1.")).toBeVisible();
  const evidence = { name: "Damage claim, photo 1 by the owner" };
  await expect(owner.getByRole("img", evidence)).toBeVisible();
  await waitForHydration(owner);
  await owner.getByLabel("What is damaged").fill("The chest mount came back cracked.");
  await owner.getByLabel("Amount to keep from the deposit").fill("40");
  await owner.getByRole("button", { name: "Open a damage claim" }).click();
  await expect(owner.getByText("Status: Disputed")).toBeVisible();

  const context = await browser.newContext();
  contexts.push(context);
  const admin = await context.newPage();
  await admin.goto("/login");
  await waitForHydration(admin);
  await admin.getByLabel("Email").fill(process.env.GEARSHARE_E2E_ADMIN_EMAIL ?? "admin@gearshare.test");
  await admin.getByLabel("Password").fill(process.env.GEARSHARE_E2E_ADMIN_PASSWORD ?? PASSWORD);
  await admin.getByRole("button", { name: "Log in" }).click();
  await expect(admin.getByRole("button", { name: "Log out", exact: true })).toBeVisible();
  await enrolTwoFactor(admin, process.env.GEARSHARE_E2E_ADMIN_PASSWORD ?? PASSWORD);
  // The admin finds the dispute in the queue, with the claim and its photo, and decides there.
  await admin.goto("/admin");
  await expect(admin.getByText("Open disputes")).toBeVisible();
  await waitForHydration(admin);
  await admin.getByRole("link", { name: "Disputes" }).click();
  await expect(admin.getByRole("heading", { level: 1, name: "Disputes" })).toBeVisible();
  const dispute = admin.getByRole("article", { name: new RegExp(`^${title}, `) });
  await expect(dispute.getByText("Claim: The chest mount came back cracked. for €40.00")).toBeVisible();
  const queued = dispute.getByRole("img", { name: "Damage claim photo by the owner" });
  await expect(queued).toBeVisible();
  expect(await queued.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await expectNoViolations(admin);
  await dispute.getByLabel("Amount to keep from the deposit").fill("30");
  await dispute.getByLabel("Decision").fill("The mount was already worn: the renter pays part of it.");
  await dispute.getByRole("button", { name: "Resolve dispute" }).click();
  await expect(admin.getByText("Dispute resolved.")).toBeVisible();
  await expect(dispute).toHaveCount(0);
  for (const page of ["/admin/jobs", "/admin/reports", "/admin/bookings"]) {
    await admin.goto(page);
    await expect(admin.getByRole("heading", { level: 1 })).toBeVisible();
    await expectNoViolations(admin);
  }
  // Suspending asks first; an admin's own row offers no "Suspend" at all.
  const adminEmail = process.env.GEARSHARE_E2E_ADMIN_EMAIL ?? "admin@gearshare.test";
  await admin.goto(`/admin/users?q=${encodeURIComponent(adminEmail)}`);
  await expect(admin.getByRole("row").filter({ hasText: adminEmail })).toContainText("You");
  await expect(admin.getByRole("link", { name: /^Suspend / })).toHaveCount(0);
  await admin.goto("/admin/users?q=Rita%20Renter");
  await waitForHydration(admin);
  await admin.getByRole("link", { name: "Suspend Rita Renter" }).first().click();
  const suspend = admin.getByRole("group", { name: "Suspend Rita Renter?" });
  await expect(suspend.getByText(/^Rita Renter is logged out everywhere/)).toBeVisible();
  await expect(suspend.getByRole("button", { name: "Yes, suspend Rita Renter" })).toBeVisible();
  await expectNoViolations(admin);
  await suspend.getByRole("link", { name: "Keep the account active" }).click();
  await expect(suspend).toHaveCount(0);
  // A category added, then retired (so that it offers nothing to renters meanwhile).
  const kind = `Snowshoes ${randomBytes(3).toString("hex")}`;
  await admin.goto("/admin/categories");
  await waitForHydration(admin);
  await admin.getByLabel("Name", { exact: true }).fill(kind);
  await admin.getByLabel("Description", { exact: true }).fill("For deep snow.");
  await admin.getByRole("button", { name: "Add category" }).click();
  await expect(admin.getByText("Category added.")).toBeVisible();
  await expect(admin.getByRole("rowheader", { name: kind })).toBeVisible();
  await admin.getByRole("button", { name: `Retire ${kind}` }).click();
  await expect(admin.getByRole("button", { name: `Bring back ${kind}` })).toBeVisible();
  await expect(admin.getByRole("row").filter({ hasText: kind })).toContainText("Retired");
  await expectNoViolations(admin);
  await admin.goto(url);
  await expect(admin.getByText("Status: Completed")).toBeVisible();
  await expect(admin.getByRole("img", evidence)).toBeVisible();
  // The admin hides the listing with a reason; its owner reads why, and cannot publish it.
  await admin.goto(`/admin/listings?q=${encodeURIComponent(title)}`);
  await waitForHydration(admin);
  const listed = admin.getByRole("row").filter({ hasText: title });
  await listed.getByLabel("Why hide").fill("The photos show a different drone.");
  await listed.getByRole("button", { name: `Hide ${title}` }).click();
  await expect(admin.getByText("Listing hidden.")).toBeVisible();
  await expect(listed).toContainText("hidden: The photos show a different drone.");
  await expect(listed.getByRole("button", { name: `Unhide ${title}` })).toBeVisible();
  await expectNoViolations(admin);

  for (const side of [renter, owner]) {
    await side.goto(url);
    await expect(side.getByText("Status: Completed")).toBeVisible();
    await expect(side.getByText("The mount was already worn: the renter pays part of it.").first()).toBeVisible();
    await expect(side.getByRole("row").filter({ hasText: "Deposit kept" })).toContainText("€30.00");
    await expect(side.getByRole("row").filter({ hasText: "Deposit released" })).toContainText("€70.00");
  }
  // The owner's earnings show the kept €30 with the rental paid out, from the ledger.
  await owner.goto("/owner");
  await waitForHydration(owner);
  await expect(owner.getByRole("heading", { name: "Today at a glance" })).toBeVisible();
  await owner.getByRole("navigation", { name: "Owner" }).getByRole("link", { name: "Earnings" }).click();
  await expect(owner.getByRole("heading", { level: 1, name: "Earnings" })).toBeVisible();
  const row = owner.getByRole("table", { name: "By booking" }).getByRole("row").filter({ hasText: title });
  await expect(row.getByRole("cell").last()).toHaveText("€30.00");
  await expect(owner.getByRole("link", { name: "Download CSV" })).toHaveAttribute("href", "/owner/earnings.csv");
  await expectNoViolations(owner);
  await owner.goto("/owner/listings");
  const mine = owner.getByRole("row").filter({ hasText: title });
  await expect(mine).toContainText("Hidden by GearShare: The photos show a different drone.");
  // Archiving is final, so it asks first; "Keep listing" changes nothing.
  await waitForHydration(owner);
  await mine.getByRole("link", { name: `Archive: ${title}` }).click();
  const archive = owner.getByRole("group", { name: `Archive \u201c${title}\u201d?` });
  await expect(archive.getByText(/^Archiving is final/)).toBeVisible();
  await expectNoViolations(owner);
  await archive.getByRole("link", { name: "Keep listing" }).click();
  await expect(archive).toHaveCount(0);
  await expect(mine).toContainText("Paused");
  await mine.getByRole("link", { name: `Archive: ${title}` }).click();
  await archive.getByRole("button", { name: "Yes, archive" }).click();
  await expect(mine).toContainText("Archived");
  await expect(mine.getByRole("link", { name: `Archive: ${title}` })).toHaveCount(0);
});

test("a renter asks the owner about a listing; the question and the answer arrive live", { tag: "@database" }, async ({ browser }) => {
  test.slow();
  const title = `Camp stove ${randomBytes(3).toString("hex")}`;
  const owner = await person(browser, "Olga Owner");
  const listing = await publish(owner, title);
  // The owner's inbox is open before the question comes (on the other instance, if any).
  await owner.goto(`${ELSEWHERE}/messages`);
  await waitForHydration(owner);
  await expect(owner.getByText(/^No messages yet\./)).toBeVisible();
  const nav = owner.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Messages", exact: true })).toBeVisible();

  const renter = await person(browser, "Rita Renter");
  await renter.goto(`/gear/${listing}`);
  await waitForHydration(renter);
  await renter.getByRole("link", { name: "Ask the owner" }).click();
  await expect(renter.getByRole("heading", { level: 1, name: `Ask Olga Owner about ${title}` })).toBeVisible();
  await expect(renter.getByText("No messages yet.")).toBeVisible();
  await expectNoViolations(renter);
  await renter.getByLabel("Message").fill("Hi! Does it come with a windscreen?\n<b>Thanks</b>");
  await renter.getByRole("button", { name: "Send", exact: true }).click();
  await expect(renter).toHaveURL(/\/messages\/[0-9a-f-]{36}$/);
  await expect(renter.getByRole("heading", { level: 1, name: "Olga Owner" })).toBeVisible();
  const question = renter.getByRole("list", { name: "Conversation" }).getByRole("listitem");
  await expect(question).toHaveCount(1);
  // Plain text: the markup is shown as typed, the line break kept.
  await expect(question.getByText("<b>Thanks</b>")).toBeVisible();
  await expectNoViolations(renter);

  // The owner's open inbox shows it without a reload, and the navigation counts it.
  await expect(nav.getByRole("link", { name: "Messages (1 unread)" })).toBeVisible({ timeout: 5_000 });
  await expect(owner.getByText("1 unread", { exact: true })).toBeVisible();
  await expectNoViolations(owner);
  await owner.getByRole("link", { name: "Rita Renter" }).click();
  await expect(owner.getByText("Hi! Does it come with a windscreen?")).toBeVisible();
  // Reading it clears the count.
  await expect(nav.getByRole("link", { name: "Messages", exact: true })).toBeVisible({ timeout: 5_000 });
  await owner.getByLabel("Message").fill("Yes, and a spare gas can.");
  await owner.getByRole("button", { name: "Send", exact: true }).click();
  await expect(owner.getByText("Yes, and a spare gas can.")).toBeVisible();
  await expect(owner.getByLabel("Message")).toHaveValue("");

  // The renter's open thread shows the answer; reading it tells the owner "Seen".
  await expect(renter.getByText("Yes, and a spare gas can.")).toBeVisible({ timeout: 5_000 });
  await expect(owner.getByText("Seen", { exact: true })).toBeVisible({ timeout: 5_000 });
  await expect(renter.getByText("Seen", { exact: true })).toHaveCount(0);
});
