// Waits until the server answers /readyz, so tests never race its start-up.
export default async function globalSetup(): Promise<void> {
  const baseURL = process.env.GEARSHARE_E2E_URL ?? "http://127.0.0.1:3000";
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
