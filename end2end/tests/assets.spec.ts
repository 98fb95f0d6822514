import { test, expect, waitForHydration } from "./fixtures";

// The release build names /pkg files by content hash, so browsers may keep them for a year.
test("hashed assets are cached for a year and pages are compressed", async ({ page }) => {
  const assets: { url: string; cacheControl: string | undefined }[] = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname.startsWith("/pkg/")) {
      assets.push({ url: response.url(), cacheControl: response.headers()["cache-control"] });
    }
  });
  const response = await page.goto("/");
  expect(response?.headers()["content-encoding"]).toMatch(/^(br|gzip)$/);
  await waitForHydration(page);
  expect(assets.map((a) => new URL(a.url).pathname)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^\/pkg\/gearshare\.[\w-]+\.css$/),
      expect.stringMatching(/^\/pkg\/gearshare\.[\w-]+\.js$/),
      expect.stringMatching(/^\/pkg\/gearshare\.[\w-]+\.wasm$/),
    ]),
  );
  for (const asset of assets) {
    expect(asset.cacheControl, asset.url).toBe("public, max-age=31536000, immutable");
  }
});
