import { test, expect, waitForHydration } from "./fixtures";

// The browser reports the 404 status of the document itself as a console error: expected here.
test.use({ allowedConsole: [/the server responded with a status of 404/] });

for (const path of ["/gear/00000000-0000-4000-8000-000000000000", "/gear/not-an-id", "/no-such-page"]) {
  test(`${path} is a styled 404`, async ({ page }) => {
    const response = await page.goto(path);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
    await waitForHydration(page);
    await page.getByRole("main").getByRole("link", { name: "Browse gear" }).click();
    await expect(page).toHaveURL(/\/search$/);
  });
}
