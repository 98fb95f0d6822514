import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type ConsoleMessage } from "@playwright/test";

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

// Resolves once the wasm bundle has hydrated the page (the app marks <body> from an effect,
// which only runs in the browser after hydration).
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
