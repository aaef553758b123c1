/** PayKit's outbound events: Standard Webhooks signatures, checked with the standardwebhooks package. */
import { Webhook, WebhookVerificationError } from "standardwebhooks";

export { WebhookVerificationError };

export type EventHeaders = Headers | Record<string, string | string[] | undefined>;

/**
 * Checks a PayKit event's Standard Webhooks signature (`webhook-id`, `webhook-timestamp`, `webhook-signature`) over
 * the raw body, and the timestamp's age; returns the parsed event or throws `WebhookVerificationError`.
 */
export function verifyEvent<T = unknown>(body: string | Uint8Array, headers: EventHeaders, secret: string): T {
  const flat: Record<string, string> = {};
  const entries = headers instanceof Headers ? headers.entries() : Object.entries(headers);
  for (const [name, value] of entries) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return new Webhook(secret).verify(body, flat) as T;
}
