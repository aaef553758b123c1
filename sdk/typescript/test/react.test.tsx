// @vitest-environment jsdom
// The hooks rendered with Testing Library in jsdom against the local stack: a feature gate, a Subscribe button,
// usage that updates the gate, the subscription's changes, and errors as PayKitError.
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, expect, test } from "vitest";
import { createPayKitClient, PayKitError } from "../src/index.js";
import {
  PayKitProvider, useCheckout, useCheckoutSession, useEntitlement, usePayments, useSubscription, useUsage,
} from "../src/react.js";
import { CANCEL_URL, deliveries, describeStack, env, eventually, newUser, pay, token } from "./stack.js";

afterEach(cleanup);

function Gate() {
  const { allowed, remaining, limit, isLoading, error } = useEntitlement("exports");
  const { track } = useUsage("exports");
  if (isLoading) return <p>checking</p>;
  if (error) return <p role="alert">{`${error.status} ${String(error.detail)}`}</p>;
  return allowed
    ? <section><p data-testid="remaining">{`${remaining} of ${limit}`}</p>
        <button onClick={() => track(2)}>Export</button></section>
    : <p data-testid="locked">Upgrade to export</p>;
}

function Subscribe({ onRedirect }: { onRedirect: (url: string) => void }) {
  const { checkout, isPending } = useCheckout({ redirect: onRedirect, cancel_url: CANCEL_URL });
  return <button disabled={isPending} onClick={() => checkout(env.pro)}>Subscribe</button>;
}

function Billing({ sessionId }: { sessionId?: string }) {
  const { session } = useCheckoutSession(sessionId);
  const { subscription, cancel, resume } = useSubscription();
  const { total } = usePayments();
  return <section>
    <p data-testid="session">{session?.status ?? "-"}</p>
    <p data-testid="status">{subscription ? subscription.status : "none"}</p>
    <p data-testid="cancel-at">{subscription?.cancel_at ? "ends" : "renews"}</p>
    <p data-testid="payments">{total}</p>
    <button onClick={() => cancel()}>Cancel</button>
    <button onClick={() => resume()}>Resume</button>
  </section>;
}

const text = (id: string) => screen.getByTestId(id).textContent;

describeStack("hooks against the local stack", () => {
  test("a Subscribe button and a feature gate work with no hand-written HTTP", async () => {
    const user = newUser("react");
    const bearer = await token(user);
    const redirects: string[] = [];
    const app = render(<PayKitProvider baseUrl={env.url} token={bearer}>
      <Gate /><Subscribe onRedirect={(url) => redirects.push(url)} /><Billing />
    </PayKitProvider>);
    // Before paying: locked, no subscription
    await waitFor(() => expect(screen.getByTestId("locked")).toBeTruthy());
    await waitFor(() => expect(text("status")).toBe("none"));

    fireEvent.click(screen.getByText("Subscribe"));
    await waitFor(() => expect(redirects).toHaveLength(1));
    expect(redirects[0]).toMatch(/\/checkout\/|cs_/);
    const sessionId = /cs_[A-Za-z0-9_]+/.exec(redirects[0])?.[0];
    expect(sessionId).toBeTruthy();
    await pay(sessionId as string);

    // Back on the success page: the session is recorded and the other hooks refresh
    app.rerender(<PayKitProvider baseUrl={env.url} token={bearer}>
      <Gate /><Subscribe onRedirect={(url) => redirects.push(url)} /><Billing sessionId={sessionId} />
    </PayKitProvider>);
    await waitFor(() => expect(text("session")).toBe("complete"), { timeout: 15_000 });
    await waitFor(() => expect(text("status")).toBe("active"), { timeout: 15_000 });

    // The entitlement arrives with Stripe's webhook; a refetch (focus, or here the client) shows it
    const client = createPayKitClient({ baseUrl: env.url, token: bearer });
    await eventually(() => client.check("exports"), (c) => c.allowed);
    act(() => { window.dispatchEvent(new Event("visibilitychange")); window.dispatchEvent(new Event("focus")); });
    await waitFor(() => expect(text("remaining")).toBe("100 of 100"), { timeout: 15_000 });

    // Counting usage updates the gate
    fireEvent.click(screen.getByText("Export"));
    await waitFor(() => expect(text("remaining")).toBe("98 of 100"), { timeout: 15_000 });
    expect((await client.check("exports")).used).toBe(2);

    // Cancelling at the period end, then resuming, refreshes the subscription
    fireEvent.click(screen.getByText("Cancel"));
    await waitFor(() => expect(text("cancel-at")).toBe("ends"), { timeout: 15_000 });
    fireEvent.click(screen.getByText("Resume"));
    await waitFor(() => expect(text("cancel-at")).toBe("renews"), { timeout: 15_000 });

    // The payment arrives with the webhooks; a focus refetches the list
    await deliveries();
    await eventually(() => client.myPayments(), (list) => list.total > 0);
    act(() => { window.dispatchEvent(new Event("focus")); });
    await waitFor(() => expect(text("payments")).toBe("1"), { timeout: 15_000 });
  });

  test("an API error reaches the component as PayKitError", async () => {
    render(<PayKitProvider baseUrl={env.url} token="expired"><Gate /></PayKitProvider>);
    const alert = await screen.findByRole("alert", {}, { timeout: 15_000 });
    expect(alert.textContent).toBe("401 Could not validate credentials");
  });

  test("errors of a write are thrown to the caller", async () => {
    const bearer = await token(newUser("react-none"));
    let caught: unknown = null;
    function CancelNothing() {
      const { cancel } = useSubscription();
      return <button onClick={() => cancel().catch((e) => { caught = e; })}>Cancel</button>;
    }
    render(<PayKitProvider baseUrl={env.url} token={bearer}><CancelNothing /></PayKitProvider>);
    fireEvent.click(screen.getByText("Cancel"));
    await waitFor(() => expect(caught).toBeInstanceOf(PayKitError));
    expect((caught as PayKitError).status).toBe(404);
  });
});
