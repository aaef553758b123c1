// The baseline for `python -m bench.sdk`: PayKit's end-user calls written by hand, as the devkit4ai starter kit's
// lib/payments/actions.ts does (headers, JSON, the error envelope), for the same operations the SDK's helpers cover.
const API = "/api/v1/payments/stripe";

export class ApiError extends Error {
  constructor(readonly status: number, readonly detail: unknown) {
    super(typeof detail === "string" ? detail : `Request failed with ${status}`);
  }
}

async function call<T>(baseUrl: string, token: string, method: string, path: string, body?: unknown,
                       query: Record<string, string> = {}): Promise<T> {
  const params = new URLSearchParams({ test_mode: "true", ...query });
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method === "POST") headers["Idempotency-Key"] = crypto.randomUUID();
  const response = await fetch(`${baseUrl}${API}${path}?${params}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data?.detail ?? response.statusText);
  return data as T;
}

export const createCheckoutSession = (baseUrl: string, token: string, priceId: string, successUrl: string,
                                      cancelUrl: string) =>
  call<{ session_id: string; checkout_url: string }>(baseUrl, token, "POST", "/checkout-session",
    { price_id: priceId, success_url: successUrl, cancel_url: cancelUrl });
export const getCheckoutSession = (baseUrl: string, token: string, id: string) =>
  call(baseUrl, token, "GET", `/checkout-session/${encodeURIComponent(id)}`);
export const getMySubscription = (baseUrl: string, token: string) => call(baseUrl, token, "GET", "/my-subscription");
export const getMyPayments = (baseUrl: string, token: string, page = 1) =>
  call(baseUrl, token, "GET", "/my-payments", undefined, { page: String(page) });
export const checkFeature = (baseUrl: string, token: string, feature: string) =>
  call(baseUrl, token, "GET", "/check", undefined, { feature });
export const getMyEntitlements = (baseUrl: string, token: string) =>
  call(baseUrl, token, "GET", "/my-entitlements");
export const trackUsage = (baseUrl: string, token: string, feature: string, quantity = 1) =>
  call(baseUrl, token, "POST", "/usage", { feature, quantity });
export const openCustomerPortal = (baseUrl: string, token: string, returnUrl: string) =>
  call<{ portal_url: string }>(baseUrl, token, "POST", "/customer-portal", { return_url: returnUrl });
export const cancelSubscription = (baseUrl: string, token: string, immediately = false) =>
  call(baseUrl, token, "POST", "/cancel-subscription", { cancel_immediately: immediately });
export const updateSubscription = (baseUrl: string, token: string, newPriceId: string) =>
  call(baseUrl, token, "POST", "/update-subscription", { new_price_id: newPriceId });
export const previewSubscriptionUpdate = (baseUrl: string, token: string, newPriceId: string) =>
  call(baseUrl, token, "POST", "/preview-subscription-update", { new_price_id: newPriceId });
export const resumeSubscription = (baseUrl: string, token: string) =>
  call(baseUrl, token, "POST", "/resume-subscription");
