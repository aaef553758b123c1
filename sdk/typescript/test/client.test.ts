// The README's walkthrough through the client against the local stack, and the error paths (401, 403, 422, 402).
import { expect, test } from "vitest";
import { createPayKitClient, PayKitError, type PayKitClient } from "../src/index.js";
import {
  CANCEL_URL, DECLINE_ON_CHARGE, SUCCESS_URL, deliveries, describeStack, env, eventually, newUser, pay, setCard, token,
} from "./stack.js";

async function subscriber(prefix: string): Promise<{ client: PayKitClient; customerId: string }> {
  const client = createPayKitClient({ baseUrl: env.url, token: await token(newUser(prefix)) });
  const session = await client.checkout({ priceId: env.pro, success_url: SUCCESS_URL, cancel_url: CANCEL_URL });
  await pay(session.session_id);
  const back = await client.checkoutStatus(session.session_id);
  return { client, customerId: back.subscription?.customer_id ?? "" };
}

describeStack("the end user's walkthrough", () => {
  test("checkout, pay, subscription, check, usage, plan change, cancel, resume, portal", async () => {
    const user = newUser("ts-walk");
    // getToken is asked before every request, as an app with a refreshing session would
    const client = createPayKitClient({ baseUrl: env.url, getToken: () => token(user) });
    expect(await client.mySubscription()).toBeNull();

    const session = await client.checkout({ priceId: env.pro, success_url: SUCCESS_URL, cancel_url: CANCEL_URL });
    expect(session.session_id).toMatch(/^cs_/);
    expect(session.checkout_url).toMatch(/^http/);
    await pay(session.session_id);

    const back = await client.checkoutStatus(session.session_id);
    expect(back.status).toBe("complete");
    expect(back.subscription?.status).toBe("active");
    const mine = await client.mySubscription();
    expect(mine?.subscription_id).toBe(back.subscription?.subscription_id);

    await deliveries();
    const payments = await eventually(() => client.myPayments(), (list) => list.total > 0);
    expect(payments.payments[0]).toMatchObject({ status: "succeeded", amount_cents: 1900, currency: "usd" });

    // The plan's feature reaches PayKit with Stripe's entitlement webhook
    const granted = await eventually(() => client.check("exports"), (c) => c.allowed);
    expect(granted).toMatchObject({ allowed: true, feature: "exports", limit: 100, used: 0, remaining: 100 });
    const used = await client.trackUsage("exports", { quantity: 3 });
    expect(used).toMatchObject({ used: 3, remaining: 97, duplicate: false });
    expect(await client.check("exports")).toMatchObject({ allowed: true, used: 3, remaining: 97 });
    const all = await client.myEntitlements();
    expect(all.features.map((f) => f.feature)).toContain("exports");

    const preview = await client.previewChange(env.team, { prorationBehavior: "always_invoice" });
    expect(preview.currency).toBe("usd");
    expect(preview.amount_due_now).toBeGreaterThan(0);
    const changed = await client.changePlan(env.team, { prorationBehavior: "always_invoice" });
    expect(changed.price_id).toBe(env.team);

    const cancelled = await client.cancel();
    expect(cancelled.status).toBe("active");
    expect(cancelled.cancel_at).toBeTruthy();
    expect((await client.mySubscription())?.cancel_at).toBeTruthy();
    const resumed = await client.resume();
    expect(resumed.cancel_at).toBeNull();

    const portal = await client.portal(CANCEL_URL);
    expect((await fetch(portal)).status).toBe(200);

    // The raw, path-typed client is the same object
    const raw = await client.GET("/api/v1/payments/stripe/check", { params: { query: { feature: "exports" } } });
    expect(raw.data?.remaining).toBe(97);
  });

  test("trackUsage sends a lost call again with the same key, and it counts once", async () => {
    const { customerId } = await subscriber("ts-retry");
    expect(customerId).toMatch(/^cus_/);
    const sub = newUser("ts-retry");
    const keys: string[] = [];
    let dropped = false;
    // The first answer of /usage is lost on the way back (the server did count it)
    const lossy = async (request: Request) => {
      const response = await fetch(request);
      if (request.url.includes("/usage")) {
        keys.push(request.headers.get("Idempotency-Key") ?? "");
        if (!dropped) {
          dropped = true;
          throw new TypeError("network connection lost");
        }
      }
      return response;
    };
    const owner = createPayKitClient({ baseUrl: env.url, token: await token(sub) });
    const session = await owner.checkout({ priceId: env.pro, success_url: SUCCESS_URL, cancel_url: CANCEL_URL });
    await pay(session.session_id);
    await owner.checkoutStatus(session.session_id);
    await eventually(() => owner.check("exports"), (c) => c.allowed);

    const client = createPayKitClient({ baseUrl: env.url, token: await token(sub), fetch: lossy, retryDelayMs: 10 });
    const usage = await client.trackUsage("exports", { quantity: 5 });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[0]).not.toBe("");
    expect(usage).toMatchObject({ used: 5, duplicate: true });
    expect((await client.check("exports")).used).toBe(5);
    // A new call is a new key: it counts again
    expect((await client.trackUsage("exports")).used).toBe(6);
  });
});

describeStack("errors are one PayKitError with the API's status and detail", () => {
  async function failure(call: Promise<unknown>): Promise<PayKitError> {
    const error = await call.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(PayKitError);
    return error as PayKitError;
  }

  test("401: a bad token", async () => {
    const client = createPayKitClient({ baseUrl: env.url, token: "not-a-jwt" });
    const error = await failure(client.mySubscription());
    expect(error.status).toBe(401);
    expect(error.detail).toBe("Could not validate credentials");
  });

  test("403: a developer token on an end-user route", async () => {
    const client = createPayKitClient({ baseUrl: env.url, token: await token(newUser("ts-dev"), "developer") });
    const error = await failure(client.check("exports"));
    expect(error.status).toBe(403);
    expect(typeof error.detail).toBe("string");
  });

  test("422: the validation issues as a list", async () => {
    const client = createPayKitClient({ baseUrl: env.url, token: await token(newUser("ts-422")) });
    const error = await failure(client.trackUsage("Not A Feature!", { quantity: 0 }));
    expect(error.status).toBe(422);
    expect(Array.isArray(error.detail)).toBe(true);
    const fields = (error.detail as { loc: unknown[] }[]).map((issue) => issue.loc.at(-1));
    expect(fields).toEqual(expect.arrayContaining(["feature", "quantity"]));
  });

  test("402: a plan change the card declines keeps the old plan", async () => {
    const { client, customerId } = await subscriber("ts-402");
    await setCard(customerId, DECLINE_ON_CHARGE);
    const error = await failure(client.changePlan(env.team, { prorationBehavior: "always_invoice" }));
    expect(error.status).toBe(402);
    expect(String(error.detail).toLowerCase()).toContain("declined");
    expect((await client.mySubscription())?.status).toBe("active");
  });
});
