import { test, expect, expectNoViolations, waitForHydration } from "./fixtures";

// What a person meets first, on a phone as on a desktop.

for (const size of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
  test(`the footer leads to help, terms, privacy and contact, and sits at the bottom (${size.width}×${size.height})`, async ({ page }) => {
    await page.setViewportSize(size);
    await page.goto("/");
    await waitForHydration(page);
    const footer = page.getByRole("navigation", { name: "Footer" });
    for (const [name, heading] of [["Help", "Help"], ["Terms", "Terms"], ["Privacy", "Privacy"], ["Contact", "Contact"]]) {
      await footer.getByRole("link", { name }).click();
      await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
      await expectNoViolations(page);
    }
    await page.goto("/help");
    await expect(page.getByRole("heading", { level: 2, name: "Cancellations" })).toBeVisible();
    await expect(page.getByText(/^Full refund up to 5 days before pickup/)).toBeVisible();
    // A short page: the footer ends at the bottom of the window, not in the middle of it.
    await page.goto("/contact");
    const box = await page.locator("footer").boundingBox();
    expect(box).not.toBeNull();
    const bottom = box!.y + box!.height;
    const scrolled = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(bottom).toBeGreaterThanOrEqual(Math.max(size.height, scrolled) - 1);
  });
}
