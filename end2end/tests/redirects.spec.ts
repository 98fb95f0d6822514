import { test, expect } from "./fixtures";

// The release binary, asked as curl or a script would (no text/html in Accept): private
// pages answer a real redirect to log in, never a blank 200.
for (const path of ["/account", "/owner", "/admin", "/bookings", "/owner/requests", "/messages", "/notifications", "/favourites"]) {
  test(`${path} redirects a visitor with a real 302`, async ({ request }) => {
    const response = await request.get(path, { maxRedirects: 0, headers: { accept: "*/*" } });
    expect(response.status()).toBe(302);
    expect(response.headers()["location"]).toBe(`/login?next=${encodeURIComponent(path)}`);
  });
}

test("a public page answers 200 to the same client", async ({ request }) => {
  const response = await request.get("/search", { maxRedirects: 0, headers: { accept: "*/*" } });
  expect(response.status()).toBe(200);
});
