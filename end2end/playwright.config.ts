import { defineConfig } from "@playwright/test";

// scripts/e2e.sh serves the release wasm on this address with a freshly seeded database.
const baseURL = process.env.GEARSHARE_E2E_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  testDir: "./tests",
  globalSetup: "./global-setup.ts",
  timeout: 30_000,
  expect: { timeout: 5_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    // Members who sign up take their browser's zone, and the journeys count days in UTC;
    // the time-zone journey sets its own.
    timezoneId: "UTC",
    launchOptions: {
      // Debian's Chromium: Playwright's own browser download is impossible here.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
