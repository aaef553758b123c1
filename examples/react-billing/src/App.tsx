// A billing page and a feature gate on @paykit/client/react: no hand-written HTTP.
import {
  PayKitProvider, useCheckout, useCheckoutSession, useEntitlement, usePayments, useSubscription, useUsage,
} from "@paykit/client/react";
import { useState, type FormEvent } from "react";

const PRICE_ID = import.meta.env.VITE_PAYKIT_PRICE_ID as string | undefined;
const TOKEN_KEY = "paykit-example-token";

export function App() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY));
  if (!token) return <SignIn onToken={(t) => { sessionStorage.setItem(TOKEN_KEY, t); setToken(t); }} />;
  return (
    <PayKitProvider baseUrl={window.location.origin} token={token}>
      <h1>Billing</h1>
      <ExportsGate />
      <Billing priceId={PRICE_ID ?? new URLSearchParams(window.location.search).get("price") ?? ""} />
      <Payments />
      <button onClick={() => { sessionStorage.removeItem(TOKEN_KEY); setToken(null); }}>Sign out</button>
    </PayKitProvider>
  );
}

function SignIn({ onToken }: { onToken: (token: string) => void }) {
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = new FormData(event.currentTarget).get("token");
    if (typeof value === "string" && value.trim()) onToken(value.trim());
  };
  return (
    <form id="signin" onSubmit={submit}>
      <h1>Sign in</h1>
      <p className="muted">Paste an end user's token (<code>$USER_TOKEN</code> from <code>make run</code>).</p>
      <input name="token" aria-label="token" size={60} />
      <button type="submit">Sign in</button>
    </form>
  );
}

/** The feature gate: exports are for subscribers, 100 a period; each export is counted. */
function ExportsGate() {
  const { subscription } = useSubscription();
  // Right after a checkout the plan's entitlement arrives with Stripe's webhook: ask again until it is there.
  const gate = useEntitlement("exports", { refetchInterval: subscription && !subscription.cancel_at ? 2000 : false });
  const { track, isPending } = useUsage("exports");
  if (gate.isLoading) return <section id="gate">Checking…</section>;
  if (gate.error) return <section id="gate" className="error">{String(gate.error.detail)}</section>;
  if (!gate.allowed) {
    return <section id="gate" data-allowed="false">Exports are part of the Pro plan. <em>{gate.reason}</em></section>;
  }
  return (
    <section id="gate" data-allowed="true">
      <button disabled={isPending} onClick={() => track(1)}>Export</button>
      <span id="remaining">{gate.remaining} of {gate.limit} exports left this period</span>
    </section>
  );
}

function Billing({ priceId }: { priceId: string }) {
  const sessionId = new URLSearchParams(window.location.search).get("session_id");
  const returned = useCheckoutSession(sessionId);
  const { subscription, isLoading, cancel, resume, openPortal, isChanging, changeError } = useSubscription();
  const { checkout, isPending, error } = useCheckout();
  if (isLoading || returned.isLoading) return <section id="billing">Loading…</section>;
  if (!subscription) {
    return (
      <section id="billing" data-status="none">
        <p>You are on the free plan.</p>
        <button disabled={isPending || !priceId} onClick={() => checkout(priceId)}>Subscribe</button>
        {error && <p className="error">{String(error.detail)}</p>}
      </section>
    );
  }
  const ends = subscription.cancel_at ?? null;
  return (
    <section id="billing" data-status={subscription.status} data-ends={ends ? "true" : "false"}>
      <p><strong>{subscription.plan_name}</strong>: {subscription.status}
        {ends ? `, ends ${new Date(ends).toLocaleDateString()}` : ", renews automatically"}</p>
      {ends
        ? <button disabled={isChanging} onClick={() => resume()}>Keep my plan</button>
        : <button disabled={isChanging} onClick={() => cancel()}>Cancel at period end</button>}
      <button onClick={() => openPortal()}>Manage billing</button>
      {changeError && <p className="error">{String(changeError.detail)}</p>}
    </section>
  );
}

function Payments() {
  const { payments } = usePayments();
  if (!payments.length) return null;
  return (
    <section id="payments">
      <h2>Payments</h2>
      <ul>{payments.map((p) => (
        <li key={p.id}>{(p.amount_cents / 100).toFixed(2)} {p.currency.toUpperCase()}: {p.status}</li>
      ))}</ul>
    </section>
  );
}
