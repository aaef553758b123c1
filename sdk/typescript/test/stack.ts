// The local stack the pytest driver (tests/e2e/sdk) started and set up: its URLs, a project with prices and a feature.
import { describe } from "vitest";

export const env = {
  url: process.env.PAYKIT_URL ?? "",
  emulator: process.env.PAYKIT_EMULATOR_URL ?? "",
  projectId: process.env.PAYKIT_PROJECT_ID ?? "",
  pro: process.env.PAYKIT_PRICE_PRO ?? "",
  team: process.env.PAYKIT_PRICE_TEAM ?? "",
};

/** Stack tests need tests/e2e/sdk's driver; run alone (`npm test`) they are skipped, and the driver fails on a skip. */
export const describeStack = describe.skipIf(!env.url);

export const SUCCESS_URL = "http://localhost:3000/billing/success?session_id={CHECKOUT_SESSION_ID}";
export const CANCEL_URL = "http://localhost:3000/billing";
export const DECLINE_ON_CHARGE = "4000000000000341"; // attaches, then every charge is declined

async function post(url: string, body: unknown): Promise<any> {
  const reply = await fetch(url, { method: "POST", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json" } });
  if (!reply.ok) throw new Error(`${url}: ${reply.status} ${await reply.text()}`);
  return reply.json();
}

export async function token(sub: string, role: "end_user" | "developer" = "end_user"): Promise<string> {
  const body = role === "end_user" ? { role, sub, project_id: env.projectId } : { role, sub };
  return (await post(`${env.url}/_local/token`, body)).token;
}

export const newUser = (prefix: string) => `${prefix}-${crypto.randomUUID()}`;

/** Pays a checkout session as the hosted page would, with a test card. */
export const pay = (sessionId: string, card = "4242424242424242") =>
  post(`${env.emulator}/_emulator/checkout/${sessionId}/pay`, { card });

export const setCard = (customerId: string, card: string) =>
  post(`${env.emulator}/_emulator/customers/${customerId}/card`, { card });

/** Waits until the emulator has delivered every webhook (PayKit's queue then applies them). */
export const deliveries = () => post(`${env.emulator}/_emulator/deliveries/wait`, { timeout: 30 });

/** Asks `read` until `done` holds (webhooks reach PayKit through a queue), at most 30 s. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
