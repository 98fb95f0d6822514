import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import {
  test,
  expect,
  enrolTwoFactor,
  expectNoViolations,
  logInAfterAWrongPassword,
  totp,
  waitForHydration,
} from "./fixtures";

const PASSWORD = "kayak tripod lantern";

// Refused input answers 400 and the admin area answers 403 to members, by design; Chromium
// logs every such response as a console error. So is a 401: a member page opens its live
// stream (`/events/me`) once it has hydrated, and these journeys log out a moment after a
// page loads, so the stream's request can reach the server after the session ended and be
// answered 401 as a visitor's (CONTRACT.md). Seen in CI once in about seven runs.
test.use({ allowedConsole: [/the server responded with a status of (400|401|403)/] });

function uniqueEmail(who: string): string {
  return `${who}-${Date.now()}-${randomBytes(3).toString("hex")}@example.com`;
}

// On a phone the header's links wait behind "Menu": open it when it is there and closed.
async function openMenu(page: Page): Promise<void> {
  const menu = page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Menu" });
  if ((await menu.isVisible()) && (await menu.getAttribute("aria-expanded")) !== "true") await menu.click();
}

async function signUp(page: Page, email: string): Promise<void> {
  await page.goto("/signup");
  await waitForHydration(page);
  await page.getByLabel("Name").fill("Ada Lovelace");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  // The bell is a member's, and stays outside the phone's menu.
  await expect(page.getByRole("link", { name: /^Notifications/ })).toBeVisible();
  await openMenu(page);
  await expect(page.getByRole("button", { name: "Log out", exact: true })).toBeVisible();
}

async function logOut(page: Page): Promise<void> {
  await openMenu(page);
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await expect(page.getByRole("link", { name: /^Notifications/ })).toHaveCount(0);
  await openMenu(page);
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();
}

test("sign up, log out and log in again", async ({ page }) => {
  const email = uniqueEmail("ada");
  await signUp(page, email);
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const link of ["Dashboard", "Bookings", "Messages"]) {
    await expect(nav.getByRole("link", { name: link })).toBeVisible();
  }
  await logOut(page);
  await expect(nav.getByRole("link", { name: "Sign up" })).toBeVisible();

  await page.getByRole("link", { name: "Log in" }).click();
  await waitForHydration(page);
  await logInAfterAWrongPassword(page, email, PASSWORD);
  await expect(page.getByRole("button", { name: "Log out", exact: true })).toBeVisible();
});

test("a taken email is explained next to the field", async ({ page, browser }) => {
  const email = uniqueEmail("taken");
  await signUp(page, email);
  const other = await browser.newPage();
  await other.goto("/signup");
  await waitForHydration(other);
  await other.getByLabel("Name").fill("Someone Else");
  await other.getByLabel("Email").fill(email.toUpperCase());
  await other.getByLabel("Password").fill("another good passphrase");
  await other.getByRole("button", { name: "Create account" }).click();
  await expect(other.getByLabel("Email")).toHaveAccessibleDescription(/already exists/);
  await expect(other.getByLabel("Name")).toHaveValue("Someone Else");
  await other.close();
});

test("a private page sends a visitor to log in and back", async ({ page }) => {
  const email = uniqueEmail("back");
  await signUp(page, email);
  await logOut(page);
  await page.goto("/account");
  await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
  await waitForHydration(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Your account" })).toBeVisible();
  await expect(page).toHaveURL(/\/account$/);
});

test("two-factor authentication: enrol, then log in with a code", async ({ page }) => {
  const email = uniqueEmail("totp");
  await signUp(page, email);
  const secret = await enrolTwoFactor(page, PASSWORD);
  const now = Math.floor(Date.now() / 1000);
  await expect(page.getByRole("list", { name: "Backup codes" }).getByRole("listitem")).toHaveCount(10);

  await logOut(page);
  await page.goto("/login");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  const code = page.getByLabel("Authentication code");
  await expect(code).toBeVisible();
  await code.fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(code).toHaveAccessibleDescription(/didn't work/);
  // The code that turned two-factor on works once only: the next one is used here.
  await code.fill(totp(secret, now + 30));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("button", { name: "Log out", exact: true })).toBeVisible();
});

test("a member sees the 403 page on the admin area", async ({ page }) => {
  await signUp(page, uniqueEmail("member"));
  const response = await page.goto("/admin");
  expect(response?.status()).toBe(403);
  await expect(
    page.getByRole("heading", { level: 1, name: "You don't have access to this page" }),
  ).toBeVisible();
});

// The plain-text part of the newest password reset email to `address` in the server's outbox,
// decoded from quoted-printable; "" while there is none.
function resetEmailText(address: string): string {
  const outbox = process.env.GEARSHARE_E2E_OUTBOX ?? "";
  if (!existsSync(outbox)) return "";
  const found = readdirSync(outbox)
    .filter((file: string) => file.endsWith(".eml"))
    .map((file: string) => readFileSync(join(outbox, file), "utf8").replace(/\r\n/g, "\n"))
    .filter((raw: string) => raw.includes("\nSubject: Choose a new GearShare password\n"))
    .filter((raw: string) => raw.split("\n\n")[0].includes(address));
  const raw = found.at(-1);
  if (!raw) return "";
  // The parts, between the boundary lines (the text's own "-- " signature line is not one).
  const boundary = /boundary="([^"]+)"/.exec(raw)?.[1] ?? "";
  const part = raw.split(`--${boundary}`).find((p: string) => p.includes("Content-Type: text/plain")) ?? "";
  return part
    .slice(part.indexOf("\n\n") + 2)
    .replace(/=\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_: string, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

test.describe("password reset", () => {
  // An address of its own: sign-ups and reset links are limited per address.
  const [a, b, c] = randomBytes(3);
  test.use({ extraHTTPHeaders: { "x-forwarded-for": `10.${a}.${b}.${c}` } });

  for (const size of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
    test(`a reset link works once (${size.width}×${size.height})`, async ({ page }) => {
      await page.setViewportSize(size);
      const email = uniqueEmail("reset");
      await signUp(page, email);
      await logOut(page);

      await page.goto("/login");
      await waitForHydration(page);
      await page.getByRole("link", { name: "Forgot password?" }).click();
      await expect(page.getByRole("heading", { level: 1, name: "Forgot your password?" })).toBeVisible();
      await waitForHydration(page);
      await expectNoViolations(page);
      await page.getByLabel("Email").fill(email);
      await page.getByRole("button", { name: "Send reset link" }).click();
      await expect(page.getByRole("status").filter({ hasText: "If an account uses that email" })).toBeVisible();

      // The email goes out in the background, within a moment.
      let link = "";
      await expect
        .poll(() => (link = /Choose a new password: (\S+)/.exec(resetEmailText(email))?.[1] ?? ""), { timeout: 10_000 })
        .not.toBe("");
      expect(link).toMatch(/\/reset-password\?token=[0-9a-f]{64}$/);

      await page.goto(link);
      await waitForHydration(page);
      await expect(page.getByRole("heading", { level: 1, name: "Choose a new password" })).toBeVisible();
      await expectNoViolations(page);
      const newPassword = "lantern kayak tripod";
      await page.getByLabel("New password").fill(newPassword);
      await page.getByRole("button", { name: "Save new password" }).click();
      await expect(page).toHaveURL(/\/login\?reset=done$/);
      await expect(page.getByText("Log in with your new password.")).toBeVisible();
      await waitForHydration(page);
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(newPassword);
      await page.getByRole("button", { name: "Log in" }).click();
      await expect(page.getByRole("link", { name: /^Notifications/ })).toBeVisible();
      await openMenu(page);
      await expect(page.getByRole("button", { name: "Log out", exact: true })).toBeVisible();

      // Opening the link again says it was used, and leads to asking for a new one.
      await page.goto(link);
      await waitForHydration(page);
      await expect(page.getByText("This reset link was already used.")).toBeVisible();
      await expect(page.getByRole("link", { name: "Ask for a new link" })).toHaveAttribute("href", "/forgot-password");
      await expectNoViolations(page);
    });
  }
});

// "7 Dec 2026, 18:05" as GearShare writes `at` in `timeZone`, from the browser's own zone data.
function localMoment(at: Date, timeZone: string): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone,
      day: "numeric",
      month: "numeric",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return `${Number(parts.day)} ${months[Number(parts.month) - 1]} ${parts.year}, ${parts.hour}:${parts.minute}`;
}

test.describe("time zones", () => {
  // A browser in Tokyo, on an address of its own (sign-ups are limited per address).
  const [a, b, c] = randomBytes(3);
  test.use({ timezoneId: "Asia/Tokyo", extraHTTPHeaders: { "x-forwarded-for": `10.${a}.${b}.${c}` } });

  for (const size of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
    test(`times show in the member's zone, chosen on the account page (${size.width}×${size.height})`, async ({ page }) => {
      await page.setViewportSize(size);
      await signUp(page, uniqueEmail("zone"));

      // A question to an owner: the conversation shows when it was sent.
      await page.goto("/search");
      const listing = await page.locator('main a[href^="/gear/"]').first().getAttribute("href");
      await page.goto(listing!);
      await waitForHydration(page);
      await page.getByRole("link", { name: "Ask the owner" }).click();
      await waitForHydration(page);
      await page.getByLabel("Message").fill("Is the carrying case included?");
      await page.getByRole("button", { name: "Send", exact: true }).click();
      await expect(page).toHaveURL(/\/messages\/[0-9a-f-]{36}$/);
      const conversation = page.url();
      const sent = page.getByRole("list", { name: "Conversation" }).getByRole("listitem").locator("time");
      await expect(sent).toHaveText(/ JST$/);
      const at = new Date((await sent.getAttribute("datetime"))!);
      await expect(sent).toHaveText(`${localMoment(at, "Asia/Tokyo")} JST`);
      await expectNoViolations(page);

      // The zone starts as the browser's; choosing another moves every time shown.
      await page.goto("/account");
      await waitForHydration(page);
      const zone = page.getByRole("combobox", { name: "Time zone" });
      await expect(zone).toHaveValue("Asia/Tokyo");
      await expect(page.getByText(/^Times on GearShare are shown in this zone\. Now it is .* JST\.$/)).toBeVisible();
      await expectNoViolations(page);
      await zone.selectOption("America/New_York");
      await page.getByRole("button", { name: "Save time zone" }).click();
      await expect(page.getByText("Time zone saved.")).toBeVisible();
      await expect(page.getByRole("combobox", { name: "Time zone" })).toHaveValue("America/New_York");

      await page.goto(conversation);
      await expect(sent).toHaveText(new RegExp(`^${localMoment(at, "America/New_York")} E[SD]T$`));
    });
  }
});
