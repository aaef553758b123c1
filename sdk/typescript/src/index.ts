/** PayKit's typed client: openapi-fetch over the generated paths, named helpers for the end-user flows. */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };
// Its own module, so an app that never verifies events bundles no signature code (sideEffects: false).
export { verifyEvent, WebhookVerificationError, type EventHeaders } from "./events.js";

type Schemas = components["schemas"];
export type Subscription = Schemas["SubscriptionOut"];
export type Payment = Schemas["PaymentOut"];
export type PaymentList = Schemas["PaymentList"];
export type CheckoutRequest = Schemas["CheckoutRequest"];
export type CheckoutOut = Schemas["CheckoutOut"];
export type CheckoutSessionStatus = Schemas["CheckoutSessionStatusOut"];
export type Check = Schemas["CheckOut"];
export type Entitlements = Schemas["EntitlementsOut"];
export type Usage = Schemas["UsageOut"];
export type CancelResult = Schemas["CancelOut"];
export type PlanChange = Schemas["UpdateOut"];
export type PlanChangePreview = Schemas["PreviewOut"];
export type ProrationBehavior = NonNullable<Schemas["UpdateRequest"]["proration_behavior"]>;
export type ValidationIssue = Schemas["ValidationError"];

const STRIPE = "/api/v1/payments/stripe";

/** Every error PayKit answers, with its status and the envelope's `detail` (a string, or 422's list of issues). */
export class PayKitError extends Error {
  readonly status: number;
  readonly detail: string | ValidationIssue[];
  readonly retryAfter: number | null;

  constructor(status: number, detail: string | ValidationIssue[], retryAfter: number | null = null) {
    super(`PayKit ${status}: ${typeof detail === "string" ? detail : detail.map((i) => i.msg).join("; ")}`);
    this.name = "PayKitError";
    this.status = status;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

export type TokenSource = () => string | null | undefined | Promise<string | null | undefined>;

export interface PayKitClientOptions {
  /** Where PayKit's API is served, e.g. `https://api.example.com` (no `/api/v1`). */
  baseUrl: string;
  /** The end user's bearer token; or `getToken`, asked before every request (a session that refreshes). */
  token?: string;
  getToken?: TokenSource;
  /** Stripe test mode (PayKit's default) or live. */
  testMode?: boolean;
  /** How many times a call that carries an idempotency key is sent again after a network error or a 502/503. */
  retries?: number;
  /** First wait before a retry in ms (doubled each time; a `Retry-After` header wins). */
  retryDelayMs?: number;
  fetch?: ClientOptions["fetch"];
}

export interface CheckoutOptions extends Omit<CheckoutRequest, "price_id"> {
  priceId: string;
  idempotencyKey?: string;
}

export interface TrackUsageOptions {
  quantity?: number;
  /** Made once per call when absent; every retry of the call sends the same key, so it counts once. */
  idempotencyKey?: string;
}

export interface PayKitClient extends Client<paths> {
  /** E12: a Stripe Checkout session; send the user to `checkout_url`. */
  checkout(options: CheckoutOptions): Promise<CheckoutOut>;
  /** The success page's call: the purchase is recorded at once, without waiting for the webhook. */
  checkoutStatus(sessionId: string): Promise<CheckoutSessionStatus>;
  mySubscription(): Promise<Subscription | null>;
  myPayments(query?: { page?: number; page_size?: number; cursor?: string }): Promise<PaymentList>;
  check(feature: string): Promise<Check>;
  myEntitlements(): Promise<Entitlements>;
  trackUsage(feature: string, options?: TrackUsageOptions): Promise<Usage>;
  portal(returnUrl: string): Promise<string>;
  cancel(options?: { immediately?: boolean }): Promise<CancelResult>;
  changePlan(newPriceId: string, options?: { prorationBehavior?: ProrationBehavior }): Promise<PlanChange>;
  previewChange(newPriceId: string, options?: { prorationBehavior?: ProrationBehavior }): Promise<PlanChangePreview>;
  resume(): Promise<CancelResult>;
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function toError(response: Response, error: unknown): PayKitError {
  const detail = (error as { detail?: unknown } | undefined)?.detail;
  const after = Number(response.headers.get("Retry-After"));
  return new PayKitError(response.status,
    typeof detail === "string" || Array.isArray(detail) ? (detail as string | ValidationIssue[]) : response.statusText,
    Number.isFinite(after) && response.headers.has("Retry-After") ? after : null);
}

function unwrap<T>({ data, error, response }: Answer<T>): T {
  if (!response.ok) throw toError(response, error);
  return data as T;
}

function newKey(): string {
  return globalThis.crypto.randomUUID();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createPayKitClient(options: PayKitClientOptions): PayKitClient {
  const { token, getToken, testMode = true, retries = 2, retryDelayMs = 300 } = options;
  const raw = createClient<paths>({ baseUrl: options.baseUrl.replace(/\/+$/, ""), fetch: options.fetch });
  raw.use({
    async onRequest({ request }) {
      const bearer = getToken ? await getToken() : token;
      if (bearer) request.headers.set("Authorization", `Bearer ${bearer}`);
      return request;
    },
  });
  const mode = { test_mode: testMode };

  /** Sends a keyed write; a lost answer or a 502/503 is sent again with the same key, so it happens once. */
  async function keyed<T>(key: string, send: (key: string) => Promise<Answer<T>>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let answer: Answer<T>;
      try {
        answer = await send(key);
      } catch (networkError) {
        if (attempt >= retries) throw networkError;
        await sleep(retryDelayMs * 2 ** attempt);
        continue;
      }
      const { status } = answer.response;
      if ((status === 502 || status === 503) && attempt < retries) {
        const after = Number(answer.response.headers.get("Retry-After"));
        await sleep(after > 0 ? Math.min(after, 30) * 1000 : retryDelayMs * 2 ** attempt);
        continue;
      }
      return unwrap(answer);
    }
  }

  const helpers = {
    checkout({ priceId, idempotencyKey, ...rest }: CheckoutOptions) {
      return keyed(idempotencyKey ?? newKey(), (key) => raw.POST(`${STRIPE}/checkout-session`, {
        params: { query: mode, header: { "Idempotency-Key": key } }, body: { price_id: priceId, ...rest },
      }));
    },
    async checkoutStatus(sessionId: string) {
      return unwrap(await raw.GET(`${STRIPE}/checkout-session/{session_id}`, {
        params: { path: { session_id: sessionId }, query: mode },
      }));
    },
    async mySubscription() {
      return unwrap(await raw.GET(`${STRIPE}/my-subscription`, { params: { query: mode } })) ?? null;
    },
    async myPayments(query: { page?: number; page_size?: number; cursor?: string } = {}) {
      return unwrap(await raw.GET(`${STRIPE}/my-payments`, { params: { query: { ...mode, ...query } } }));
    },
    async check(feature: string) {
      return unwrap(await raw.GET(`${STRIPE}/check`, { params: { query: { ...mode, feature } } }));
    },
    async myEntitlements() {
      return unwrap(await raw.GET(`${STRIPE}/my-entitlements`, { params: { query: mode } }));
    },
    trackUsage(feature: string, { quantity = 1, idempotencyKey }: TrackUsageOptions = {}) {
      return keyed(idempotencyKey ?? newKey(), (key) => raw.POST(`${STRIPE}/usage`, {
        params: { query: mode, header: { "Idempotency-Key": key } }, body: { feature, quantity },
      }));
    },
    async portal(returnUrl: string) {
      const out = await keyed(newKey(), (key) => raw.POST(`${STRIPE}/customer-portal`, {
        params: { query: mode, header: { "Idempotency-Key": key } }, body: { return_url: returnUrl },
      }));
      return out.portal_url;
    },
    cancel({ immediately = false }: { immediately?: boolean } = {}) {
      return keyed(newKey(), (key) => raw.POST(`${STRIPE}/cancel-subscription`, {
        params: { query: mode, header: { "Idempotency-Key": key } }, body: { cancel_immediately: immediately },
      }));
    },
    changePlan(newPriceId: string, { prorationBehavior }: { prorationBehavior?: ProrationBehavior } = {}) {
      return keyed(newKey(), (key) => raw.POST(`${STRIPE}/update-subscription`, {
        params: { query: mode, header: { "Idempotency-Key": key } },
        body: { new_price_id: newPriceId, ...(prorationBehavior && { proration_behavior: prorationBehavior }) },
      }));
    },
    async previewChange(newPriceId: string, { prorationBehavior }: { prorationBehavior?: ProrationBehavior } = {}) {
      return unwrap(await raw.POST(`${STRIPE}/preview-subscription-update`, {
        params: { query: mode },
        body: { new_price_id: newPriceId, ...(prorationBehavior && { proration_behavior: prorationBehavior }) },
      }));
    },
    resume() {
      return keyed(newKey(), (key) => raw.POST(`${STRIPE}/resume-subscription`, {
        params: { query: mode, header: { "Idempotency-Key": key } },
      }));
    },
  };
  return Object.assign(raw, helpers);
}
