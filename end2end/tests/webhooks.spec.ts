import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { test, expect, expectNoViolations, isoDay, signUp, waitForHydration } from "./fixtures";

// The empty form is refused with 400 on purpose.
test.use({ allowedConsole: [/the server responded with a status of 400/] });

type Received = { headers: IncomingHttpHeaders; body: string };

// Whether `secret` signed the message, by the Standard Webhooks algorithm written out here.
function signedBy(message: Received, secret: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signed = `${message.headers["webhook-id"]}.${message.headers["webhook-timestamp"]}.${message.body}`;
  const expected = `v1,${createHmac("sha256", key).update(signed).digest("base64")}`;
  return String(message.headers["webhook-signature"]).split(" ").includes(expected);
}

test.describe("Webhooks and the API", () => {
  // An address of its own: sign-ups are limited per address.
  const [a, b, c] = randomBytes(3);
  test.use({ extraHTTPHeaders: { "x-forwarded-for": `10.${a}.${b}.${c}` } });

  test("a booking requested with a token shows in the browser and reaches the member's webhook, signed", async ({ page, request }) => {
    // The member's own endpoint, on this machine (the test server allows private addresses).
    const received: Received[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      await signUp(page, "Wes Webhooks", "hooks");

      await page.goto("/account");
      await waitForHydration(page);
      const section = page.getByRole("region", { name: "Webhooks", exact: true });
      await expect(section.getByText("You have no webhooks.")).toBeVisible();
      // Nothing filled in: each refusal next to its field, nothing added.
      await section.getByRole("button", { name: "Add webhook" }).click();
      await expect(section.getByText("Enter the address GearShare should send events to.")).toBeVisible();
      await expect(section.getByText("Choose at least one kind of event to send.")).toBeVisible();
      await expect(section.getByText("You have no webhooks.")).toBeVisible();

      await section.getByRole("textbox", { name: "Endpoint URL" }).fill(hook);
      await section.getByRole("textbox", { name: "Description" }).fill("Till");
      const events = section.getByRole("group", { name: "Events to send" });
      await events.getByRole("checkbox", { name: "Booking requested" }).check();
      await events.getByRole("checkbox", { name: "Booking cancelled" }).check();
      await section.getByRole("button", { name: "Add webhook" }).click();
      await expect(section.getByText("Webhook added. Copy its signing secret now: it won't be shown again.")).toBeVisible();
      const secret = await section.getByRole("textbox", { name: "Signing secret" }).inputValue();
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      const list = section.getByRole("list", { name: "Your webhooks" });
      await expect(list.getByRole("heading", { name: hook })).toBeVisible();
      await expect(list.getByText("Sends: Booking requested, Booking cancelled")).toBeVisible();
      await expectNoViolations(page);

      // A token, and with it a booking request from "the member's own tool".
      const tokens = page.getByRole("region", { name: "API tokens", exact: true });
      await tokens.getByRole("textbox", { name: "Token name" }).fill("Booking tool");
      await tokens.getByRole("combobox", { name: "Access" }).selectOption("write");
      await tokens.getByRole("button", { name: "Create token" }).click();
      const token = await tokens.getByRole("textbox", { name: "Your new token" }).inputValue();
      const auth = { authorization: `Bearer ${token}` };
      const found = await request.get("/api/v1/listings", { headers: auth });
      expect(found.status()).toBe(200);
      const items: { id: string; title: string }[] = (await found.json()).items;
      expect(items.length).toBeGreaterThan(0);
      // Far-off days and listings in random order, so no other journey holds them; a listing
      // whose own rules (minimum or maximum days) refuse the stay is passed over.
      const start = 200 + Math.floor(Math.random() * 150);
      const candidates = [...items].sort(() => Math.random() - 0.5);
      let booked = null;
      let listing = candidates[0];
      for (listing of candidates) {
        booked = await request.post("/api/v1/bookings", {
          headers: { ...auth, "idempotency-key": randomBytes(8).toString("hex") },
          data: {
            listing_id: listing.id,
            from: isoDay(start),
            to: isoDay(start + 4),
            card: { number: "4242 4242 4242 4242", expiry: "12/39", cvc: "123" },
            message: "Booked by my own tool.",
          },
        });
        if (booked.status() === 201) break;
        expect([400, 409], await booked.text()).toContain(booked.status());
      }
      expect(booked!.status()).toBe(201);
      const booking = await booked!.json();

      // The browser shows the booking the API made.
      await page.goto("/bookings");
      await waitForHydration(page);
      await expect(page.getByRole("row").filter({ hasText: listing.title })).toBeVisible();
      await page.goto(`/bookings/${booking.id}`);
      await expect(page.getByText("Booked by my own tool.")).toBeVisible();

      // The endpoint hears of it, signed with the secret shown once.
      await expect.poll(() => received.length, { timeout: 15_000 }).toBeGreaterThan(0);
      const message = received[0];
      expect(JSON.parse(message.body)).toMatchObject({
        type: "booking.requested",
        data: { booking_id: booking.id, role: "renter" },
      });
      expect(signedBy(message, secret)).toBe(true);
      expect(signedBy(message, `whsec_${randomBytes(32).toString("base64")}`)).toBe(false);

      // A test event, then the delivery log shows both.
      await page.goto("/account#webhooks");
      await waitForHydration(page);
      await list.getByRole("button", { name: `Send test event to ${hook}` }).click();
      await expect(section.getByRole("status").filter({ hasText: `A test event is on its way to ${hook}` })).toBeVisible();
      await expect.poll(() => received.map((m) => JSON.parse(m.body).type), { timeout: 15_000 }).toContain("webhook.test");
      await list.getByRole("link", { name: `Delivery log of ${hook}` }).click();
      const log = section.getByRole("region", { name: "Delivery log" });
      await expect(log.getByRole("cell", { name: "webhook.test" })).toBeVisible();
      await expect(log.getByRole("cell", { name: "booking.requested" })).toBeVisible();
      await expect(log.getByRole("cell", { name: "Delivered (204)" })).toHaveCount(2);
      await expectNoViolations(page);

      // Pausing says so; deleting asks first.
      await list.getByRole("button", { name: `Pause ${hook}` }).click();
      await expect(section.getByRole("status").filter({ hasText: `Paused ${hook}. Messages wait until you resume it.` })).toBeVisible();
      await expect(list.getByText("Paused", { exact: true })).toBeVisible();
      await expect(list.getByRole("button", { name: `Resume ${hook}` })).toBeVisible();
      await list.getByRole("link", { name: `Delete ${hook}` }).click();
      const confirm = page.getByRole("group", { name: `Delete the webhook to ${hook}?` });
      await confirm.getByRole("button", { name: "Yes, delete it" }).click();
      await expect(section.getByText("You have no webhooks.")).toBeVisible();
      await expect(section.getByRole("status").filter({ hasText: `Deleted the webhook to ${hook}.` })).toBeVisible();
    } finally {
      receiver.close();
    }
  });
});
