// Waits until every server the tests use answers /readyz, so tests never race their start-up:
// the one at GEARSHARE_E2E_URL and, on PostgreSQL, a second instance on the same database
// (GEARSHARE_E2E_SECOND_URL) for the live tests that cross instances.
export default async function globalSetup(): Promise<void> {
  const first = process.env.GEARSHARE_E2E_URL ?? "http://127.0.0.1:3000";
  const second = process.env.GEARSHARE_E2E_SECOND_URL;
  await Promise.all([first, ...(second ? [second] : [])].map(ready));
}

async function ready(baseURL: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let lastError = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseURL}/readyz`);
      if (response.ok) return;
      lastError = `status ${response.status}`;
    } catch (error) {
      lastError = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`GearShare did not become ready at ${baseURL}: ${lastError}`);
}
