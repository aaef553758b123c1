// verifyEvent against signatures the standardwebhooks library itself makes (PayKit's outbound events use it).
import { Webhook } from "standardwebhooks";
import { describe, expect, test } from "vitest";
import { verifyEvent, WebhookVerificationError } from "../src/index.js";

const secret = `whsec_${Buffer.from("paykit-test-signing-secret-32byt").toString("base64")}`;
const body = JSON.stringify({ type: "subscription.updated", data: { status: "active" } });

function signed(payload: string, at = new Date(), id = "msg_1") {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, payload),
  };
}

describe("verifyEvent", () => {
  test("returns the event when the signature and timestamp hold", () => {
    expect(verifyEvent(body, signed(body), secret)).toEqual(JSON.parse(body));
  });

  test("takes a fetch Headers object, whatever the case of the names", () => {
    const headers = new Headers(Object.entries(signed(body)).map(([k, v]): [string, string] => [k.toUpperCase(), v]));
    expect(verifyEvent(body, headers, secret)).toMatchObject({ type: "subscription.updated" });
  });

  test("refuses a changed body, another secret, a stale timestamp and missing headers", () => {
    const headers = signed(body);
    expect(() => verifyEvent(body.replace("active", "canceled"), headers, secret)).toThrow(WebhookVerificationError);
    const other = `whsec_${Buffer.from("another-secret-of-thirty-two-b!!").toString("base64")}`;
    expect(() => verifyEvent(body, headers, other)).toThrow(WebhookVerificationError);
    const old = signed(body, new Date(Date.now() - 10 * 60 * 1000));
    expect(() => verifyEvent(body, old, secret)).toThrow(WebhookVerificationError);
    expect(() => verifyEvent(body, { "webhook-id": "msg_1" }, secret)).toThrow(WebhookVerificationError);
  });
});
