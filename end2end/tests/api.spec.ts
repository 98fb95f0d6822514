import { randomBytes } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import { test, expect, expectNoViolations, signUp, waitForHydration } from "./fixtures";

// The API answers a revoked token 401, which this journey asks for on purpose, and the
// refused empty name answers 400.
test.use({ allowedConsole: [/the server responded with a status of (400|401)/] });

test.describe("API tokens", () => {
  // An address of its own: sign-ups are limited per address.
  const [a, b, c] = randomBytes(3);
  test.use({ extraHTTPHeaders: { "x-forwarded-for": `10.${a}.${b}.${c}` } });

  for (const size of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
    test(`a token made on the account page works until it is revoked (${size.width}×${size.height})`, async ({ page, request }) => {
      await page.setViewportSize(size);
      const email = await signUp(page, "Ines Integrator", "api");

      await page.goto("/account");
      await waitForHydration(page);
      const section = page.getByRole("region", { name: "API tokens", exact: true });
      await expect(section.getByText("You have no tokens.")).toBeVisible();
      // A name is needed, said next to the field.
      await section.getByRole("button", { name: "Create token" }).click();
      await expect(section.getByText("Give the token a name, such as the tool that will use it.")).toBeVisible();

      await section.getByRole("textbox", { name: "Token name" }).fill("Shop stock sync");
      await section.getByRole("combobox", { name: "Access" }).selectOption("write");
      await section.getByRole("button", { name: "Create token" }).click();
      await expect(section.getByText("Token “Shop stock sync” created. Copy it now: it won't be shown again.")).toBeVisible();
      const token = await section.getByRole("textbox", { name: "Your new token" }).inputValue();
      expect(token).toMatch(/^gs_[0-9a-f]{64}$/);
      const table = section.getByRole("table");
      await expect(table.getByRole("rowheader", { name: /Shop stock sync/ })).toBeVisible();
      await expect(table.getByRole("cell", { name: "Read and write" })).toBeVisible();
      await expect(table.getByRole("cell", { name: "Never" })).toBeVisible();
      await expectNoViolations(page);

      // The token is the member's on the API.
      const me = await request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
      expect(me.status()).toBe(200);
      expect((await me.json()).email).toBe(email);
      // Its use shows once the page is read again.
      await page.reload();
      await waitForHydration(page);
      await expect(table.getByRole("cell", { name: "Never" })).toHaveCount(0);
      await expect(table.getByRole("cell", { name: / UTC$/ })).toHaveCount(2);

      // Revoking asks first, saying what happens.
      await section.getByRole("link", { name: "Revoke Shop stock sync" }).click();
      const confirm = page.getByRole("group", { name: "Revoke “Shop stock sync”?" });
      await expect(confirm.getByText("Anything using this token is refused from now on.", { exact: false })).toBeVisible();
      await expectNoViolations(page);
      await confirm.getByRole("button", { name: "Yes, revoke it" }).click();
      await expect(table.getByRole("cell", { name: "Revoked" })).toBeVisible();
      await expect(section.getByRole("link", { name: "Revoke Shop stock sync" })).toHaveCount(0);

      const refused = await request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
      expect(refused.status()).toBe(401);
      expect(refused.headers()["content-type"]).toBe("application/problem+json");
    });
  }
});

test("the API reference draws the OpenAPI document from our own origin", async ({ page }) => {
  await page.goto("/api/docs");
  await expect(page.getByRole("heading", { level: 1, name: /^GearShare API/ })).toBeVisible();
  // Swagger UI lists each operation by method and path.
  const reference = page.locator("#swagger-ui");
  await expect(reference.getByText("/api/v1/me", { exact: true })).toBeVisible();
  await expect(reference.getByText("/api/v1/bookings/{id}/accept", { exact: true })).toBeVisible();
  await expect(page.locator("#viewer-missing")).toBeHidden();
  // Our frame and Swagger UI's colours pass. Three rules fail on Swagger UI's own markup,
  // which we draw as it comes: its tag headings skip a level under its title, each
  // operation's summary is a button holding a link, and the title sits outside its main
  // landmark (best practice, not WCAG).
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"])
    .disableRules(["heading-order", "nested-interactive", "region"])
    .analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
});
