import { test, expect, dayText, expectNoViolations, isoDay, waitForHydration } from "./fixtures";

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

for (const size of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
  const phone = size.width < 1024;

  test(`the header's links sit behind a Menu button on a phone and in a row on a desktop (${size.width}×${size.height})`, async ({ page }) => {
    await page.setViewportSize(size);
    await page.goto("/");
    await waitForHydration(page);
    const nav = page.getByRole("navigation", { name: "Main" });
    const browse = nav.getByRole("link", { name: "Browse gear" });
    const menu = nav.getByRole("button", { name: "Menu" });
    if (!phone) {
      await expect(menu).toBeHidden();
      await expect(browse).toBeVisible();
      return;
    }
    // The header stays one line: the links wait behind the button.
    const header = await page.locator("header").boundingBox();
    expect(header!.height).toBeLessThan(80);
    await expect(browse).toBeHidden();
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    // By keyboard: the button opens the menu, whose links follow it in the tab order.
    await menu.focus();
    await page.keyboard.press("Enter");
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    await expect(browse).toBeVisible();
    await expectNoViolations(page);
    await page.keyboard.press("Tab");
    await expect(browse).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/search/);
    // The choice closes the menu.
    await expect(browse).toBeHidden();
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    // Escape closes it too.
    await menu.click();
    await expect(nav.getByRole("link", { name: "Log in" })).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(nav.getByRole("link", { name: "Log in" })).toBeHidden();
  });

  test(`search results come first; filters open from a button and facets fold (${size.width}×${size.height})`, async ({ page }) => {
    await page.setViewportSize(size);
    await page.goto("/search?q=camera&category=cameras");
    await waitForHydration(page);
    const results = page.getByRole("list", { name: "Search results" });
    await expect(results).toBeVisible();
    const category = page.getByLabel("Category");
    const filters = page.getByRole("button", { name: /^Filters/ });
    if (phone) {
      // The first result starts within the first screen.
      const first = await results.getByRole("listitem").first().boundingBox();
      expect(first!.y).toBeLessThan(size.height);
      await expect(category).toBeHidden();
      await expect(filters).toHaveAccessibleName(/^Filters ?, 1 chosen$/);
      await filters.click();
      await expect(category).toBeVisible();
      await expect(category).toHaveValue("cameras");
      await expectNoViolations(page);
      await page.getByLabel("Sort by").selectOption({ label: "Price: low to high" });
      await page.getByRole("button", { name: "Show results" }).click();
      await expect(page).toHaveURL(/sort=price/);
      await expect(page.getByRole("button", { name: /^Filters/ })).toHaveAccessibleName(/^Filters ?, 2 chosen$/);
    } else {
      await expect(filters).toBeHidden();
      await expect(category).toBeVisible();
      await expect(page.getByRole("button", { name: "Show results" })).toBeHidden();
      await expect(page.getByRole("button", { name: "Close" })).toBeHidden();
      // The longest order fits its box.
      const sort = page.getByLabel("Sort by");
      const room = await sort.evaluate((el: HTMLSelectElement) => {
        const style = getComputedStyle(el);
        const context = document.createElement("canvas").getContext("2d")!;
        context.font = style.font;
        const text = context.measureText(el.options[el.selectedIndex].text).width;
        // The text, the padding on its left and the arrow's 1.5rem on its right.
        return el.clientWidth - text - parseFloat(style.paddingLeft) - 24;
      });
      expect(room).toBeGreaterThanOrEqual(0);
    }
    // Each facet folds and opens again.
    const facets = page.getByRole("complementary", { name: "Refine results" });
    const cameras = facets.getByRole("link", { name: /^Cameras/ });
    await expect(cameras).toBeVisible();
    await facets.getByText("Categories", { exact: true }).click();
    await expect(cameras).toBeHidden();
    await facets.getByText("Categories", { exact: true }).click();
    await expect(cameras).toBeVisible();
  });

  test(`a listing's photos open full size and step by button and by key (${size.width}×${size.height})`, async ({ page }) => {
    await page.setViewportSize(size);
    // A listing with more than one photo (the seed gives each one to three).
    await page.goto("/search?q=camera");
    const hrefs = await page
      .getByRole("list", { name: "Search results" })
      .getByRole("link")
      .evaluateAll((links) => links.map((a) => a.getAttribute("href") ?? ""));
    const second = page.getByRole("button", { name: /^Open photo 2 of \d+: ./ });
    for (const href of [...new Set(hrefs)].filter((h) => h.startsWith("/gear/"))) {
      await page.goto(href);
      if ((await second.count()) > 0) break;
    }
    await expect(second).toHaveCount(1);
    await waitForHydration(page);
    const total = Number(/ of (\d+):/.exec((await second.getAttribute("aria-label")) ?? "")?.[1]);
    const viewer = page.getByRole("dialog", { name: "Photos" });
    await expect(viewer).toBeHidden();
    const caption = (n: number) => viewer.getByText(`(${n} of ${total})`, { exact: false });
    // The viewer opens at the photo clicked, full size, each photo with its words.
    await second.click();
    await expect(viewer).toBeVisible();
    await expect(caption(2)).toBeInViewport();
    await expect(caption(1)).not.toBeInViewport();
    const photos = viewer.getByRole("img");
    await expect(photos).toHaveCount(total);
    for (const alt of await photos.evaluateAll((imgs) => imgs.map((i) => i.getAttribute("alt") ?? ""))) {
      expect(alt.length).toBeGreaterThan(0);
    }
    await expectNoViolations(page);
    await viewer.getByRole("button", { name: "Previous photo" }).click();
    await expect(caption(1)).toBeInViewport();
    await expect(caption(2)).not.toBeInViewport();
    await viewer.getByRole("button", { name: "Next photo" }).click();
    await expect(caption(2)).toBeInViewport();
    // The strip has the focus when the viewer opens; the arrow keys step through it.
    const strip = viewer.getByRole("group", { name: "Photos, one at a time" });
    await strip.focus();
    await page.keyboard.press("ArrowLeft");
    await expect(caption(1)).toBeInViewport();
    // Escape closes it and the focus goes back to the photo that opened it.
    await page.keyboard.press("Escape");
    await expect(viewer).toBeHidden();
    await expect(second).toBeFocused();
    // "Close photos" closes it too.
    await page.getByRole("button", { name: /^Open photo 1 of / }).click();
    await expect(caption(1)).toBeInViewport();
    await viewer.getByRole("button", { name: "Close photos" }).click();
    await expect(viewer).toBeHidden();
  });

  test(`calendar clicks pick the dates, and a phone keeps the price and the way to book on screen (${size.width}×${size.height})`, async ({ page }) => {
    await page.setViewportSize(size);
    // A listing free on those dates (seeded rentals and other tests book some).
    await page.goto(`/search?q=camera&from=${isoDay(30)}&to=${isoDay(33)}`);
    await page.getByRole("list", { name: "Search results" }).getByRole("link").first().click();
    await expect(page.getByLabel("From", { exact: true })).toHaveValue(isoDay(30));
    await waitForHydration(page);
    const check = page.getByRole("link", { name: "Check availability" });
    // A click on two calendar days fills "From" and "To"; the range, today and the legend show.
    const calendar = page.getByRole("region", { name: "Availability" });
    await expect(calendar.getByRole("list", { name: "Legend" })).toContainText("Crossed out: fully booked");
    await expect(calendar.locator('[aria-current="date"]')).toHaveCount(1);
    const start = calendar.getByRole("button", { name: dayText(30), exact: true });
    const end = calendar.getByRole("button", { name: dayText(33), exact: true });
    // The dates came from the search; a click starts a new choice.
    await start.click();
    await expect(page.getByLabel("From", { exact: true })).toHaveValue(isoDay(30));
    await expect(page.getByLabel("To", { exact: true })).toHaveValue("");
    await expect(start).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByRole("status").filter({ hasText: "now pick the return day" })).toHaveCount(1);
    await end.click();
    await expect(page.getByLabel("To", { exact: true })).toHaveValue(isoDay(33));
    await expect(end).toHaveAttribute("aria-pressed", "true");
    await expect(calendar.getByRole("button", { name: dayText(31), exact: true })).toHaveClass(/pick-chosen/);
    await expect(page.getByText("Total", { exact: true })).toBeVisible();
    await expectNoViolations(page);
    if (!phone) {
      await expect(check).toBeHidden();
      return;
    }
    // A phone: the bar with the price and the way to book stays on screen.
    await start.click();
    await expect(page.getByLabel("To", { exact: true })).toHaveValue("");
    await page.evaluate(() => window.scrollTo(0, 0));
    await expect(check).toBeInViewport();
    await check.click();
    await expect(page.getByRole("heading", { name: "Book this gear" })).toBeInViewport();
    await page.getByLabel("From", { exact: true }).fill(isoDay(30));
    await page.getByLabel("To", { exact: true }).fill(isoDay(33));
    // With priced dates the bar books, from anywhere on the page.
    await page.evaluate(() => window.scrollTo(0, 0));
    const book = page.getByRole("button", { name: /^(Request to book|Book now)$/ }).last();
    await expect(book).toBeInViewport();
    await expect(page.getByText(/^Total .+\d$/).last()).toBeInViewport();
    await expectNoViolations(page);
    await book.click();
    await expect(page.getByRole("heading", { level: 1, name: "Check out" })).toBeVisible();
  });
}
