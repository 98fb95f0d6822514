import AxeBuilder from "@axe-core/playwright";
import { createHmac } from "node:crypto";
import { test as base, expect, type ConsoleMessage } from "@playwright/test";
import { deflateSync } from "node:zlib";

// Every test fails on a console error or warning (hydration mismatches are reported as
// warnings by Leptos) and on an uncaught page error.
// A test that expects a message lists it in `allowedConsole`.
export const test = base.extend<{ allowedConsole: RegExp[]; consoleProblems: string[] }>({
  allowedConsole: [[], { option: true }],
  consoleProblems: [
    async ({ page, allowedConsole }, use) => {
      const problems: string[] = [];
      page.on("console", (message: ConsoleMessage) => {
        const allowed = allowedConsole.some((pattern) => pattern.test(message.text()));
        if ((message.type() === "error" || message.type() === "warning") && !allowed) {
          problems.push(`${message.type()}: ${message.text()}`);
        }
      });
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      await use(problems);
      expect(problems, "console errors and warnings").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

// A day `days` from today (UTC) as a date input wants it.
export function isoDay(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

// The same day as GearShare writes a day ("20 Dec 2026").
export function dayText(days: number): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const day = new Date(Date.now() + days * 86_400_000);
  return `${day.getUTCDate()} ${months[day.getUTCMonth()]} ${day.getUTCFullYear()}`;
}

// Resolves once the wasm bundle has hydrated the page (the app marks <body> from an effect,
// which only runs in the browser after hydration).
// Signs a new member up from /signup and waits until they are in; answers the email used.
export async function signUp(page: import("@playwright/test").Page, name: string, prefix: string): Promise<string> {
  const email = `${prefix}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}@example.com`;
  await page.goto("/signup");
  await waitForHydration(page);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("kayak tripod lantern");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("link", { name: /^Notifications/ })).toBeVisible();
  return email;
}

export async function waitForHydration(page: import("@playwright/test").Page): Promise<void> {
  await page.locator("body[data-hydrated=true]").waitFor({ state: "attached" });
}

// axe-core's WCAG 2.1 A and AA rules (labels, contrast, landmarks, heading order, ...) on each
// page of the slice, after hydration.
export async function expectNoViolations(page: import("@playwright/test").Page): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"])
    .analyze();
  const found = results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`,
  );
  expect(found).toEqual([]);
}

// The new-listing form filled in for a camping item at €20 a day with a €100 deposit, in
// Lisbon; the caller publishes it.
export async function fillListing(
  owner: import("@playwright/test").Page,
  title: string,
  { quantity = 1, included = "", instant = false } = {},
): Promise<void> {
  await owner.getByLabel("Title").fill(title);
  await owner.getByLabel("Description").fill("Clean, complete and checked after every single rental.");
  await owner.getByLabel("Category").selectOption({ label: "Camping" });
  await owner.getByLabel("Condition").selectOption({ label: "Good" });
  await owner.getByLabel("Price per day").fill("20");
  await owner.getByLabel("Deposit").fill("100");
  await owner.getByLabel("Quantity").fill(String(quantity));
  await owner.getByLabel("City").fill("Lisbon, Portugal");
  if (included) await owner.getByLabel("Included items").fill(included);
  if (instant) await owner.getByLabel("Instant booking").check();
}

// On the login form: a wrong password is refused next to the form with the email kept, then
// the right one is sent. The caller checks where the login lands.
export async function logInAfterAWrongPassword(
  page: import("@playwright/test").Page,
  email: string,
  password: string,
): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByText("That email and password don't match an account.")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

// The payment sandbox's card details at the checkout: 4242… pays, …0002 is declined.
export async function fillCard(renter: import("@playwright/test").Page, card = "4242 4242 4242 4242"): Promise<void> {
  await renter.getByLabel("Card number").fill(card);
  await renter.getByLabel("Expiry (MM/YY)").fill("12/30");
  await renter.getByLabel("Security code (CVC)").fill("123");
}

// RFC 6238 with the parameters GearShare enrols (SHA-1, 6 digits, 30 s), computed here the
// way an authenticator app would, from the key the account page shows.
export function totp(base32Secret: string, unixSeconds: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of base32Secret.replace(/=+$/, "")) {
    bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  }
  const key = Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}

// Turns on two-factor authentication for the signed-in `page`, whose password is `password`;
// returns the key, for later codes.
// Turns two-factor on from /account; `withWasm: false` for a browser without JavaScript.
export async function enrolTwoFactor(page: import("@playwright/test").Page, password: string, withWasm = true): Promise<string> {
  await page.goto("/account");
  if (withWasm) await waitForHydration(page);
  await page.getByLabel("Password, to set up two-factor").fill(password);
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const secret = (await page.getByText("Can't scan it?").locator("code").textContent())!.trim();
  await page.getByLabel("Authentication code").fill(totp(secret, Math.floor(Date.now() / 1000)));
  await page.getByRole("button", { name: "Turn on two-factor" }).click();
  await expect(page.getByText("Two-factor authentication is on.")).toBeVisible();
  return secret;
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

// A real 640x480 RGB PNG with a gradient in `hue`, as a camera export would be: big enough
// to pass the server's minimum size, made here so the test needs no fixture files.
export function photo(hue: number): Buffer {
  const [width, height] = [640, 480];
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      rows.set([(x + hue) % 256, (y + hue) % 256, hue % 256], row + 1 + x * 3);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
