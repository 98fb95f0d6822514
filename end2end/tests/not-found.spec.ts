import { test, expect } from "./fixtures";

// The browser reports the 404 status of the document itself as a console error: expected here.
test.use({ allowedConsole: [/the server responded with a status of 404/] });

test("an unknown page is a styled 404", async ({ page }) => {
  const response = await page.goto("/gear/00000000-0000-4000-8000-000000000000");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Browse gear" }).first()).toBeVisible();
});
