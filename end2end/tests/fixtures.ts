import { test as base, expect, type ConsoleMessage } from "@playwright/test";

// Every test fails on a console error or warning (hydration mismatches are reported as
// warnings by Leptos) and on an uncaught page error.
export const test = base.extend<{ consoleProblems: string[] }>({
  consoleProblems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on("console", (message: ConsoleMessage) => {
        if (message.type() === "error" || message.type() === "warning") {
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

// Resolves once the wasm bundle has hydrated the page (the app marks <body> from an effect,
// which only runs in the browser after hydration).
export async function waitForHydration(page: import("@playwright/test").Page): Promise<void> {
  await page.locator("body[data-hydrated=true]").waitFor({ state: "attached" });
}
