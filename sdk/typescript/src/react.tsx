/** React hooks over the PayKit client, cached and refreshed by @tanstack/react-query; nothing touches `window` at import. */
import {
  QueryClient, QueryClientContext, QueryClientProvider, useMutation, useQuery, useQueryClient,
} from "@tanstack/react-query";
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import {
  createPayKitClient, type Check, type CheckoutOptions, type PayKitClient, type PayKitClientOptions,
  type PayKitError, type ProrationBehavior,
} from "./index.js";

export * from "./index.js";

const PayKitContext = createContext<PayKitClient | null>(null);

/** Every query the hooks cache starts with this key; a change invalidates all of them. */
export const PAYKIT_QUERY_KEY = ["paykit"] as const;

export type PayKitProviderProps = Partial<PayKitClientOptions> & {
  /** A client made with `createPayKitClient`; otherwise one is made from `baseUrl` and `token`/`getToken`. */
  client?: PayKitClient;
  /** The app's own QueryClient; by default the surrounding QueryClientProvider's, or one of PayKit's. */
  queryClient?: QueryClient;
  children: ReactNode;
};

export function PayKitProvider({ client, queryClient, children, ...options }: PayKitProviderProps) {
  const { baseUrl, token, getToken, testMode, retries, retryDelayMs, fetch } = options;
  const paykit = useMemo(() => {
    if (client) return client;
    if (!baseUrl) throw new Error("PayKitProvider needs a client or a baseUrl");
    return createPayKitClient({ baseUrl, token, getToken, testMode, retries, retryDelayMs, fetch });
  }, [client, baseUrl, token, getToken, testMode, retries, retryDelayMs, fetch]);
  const surrounding = useContext(QueryClientContext);
  const [own] = useState(() => queryClient ?? (surrounding ? null : new QueryClient()));
  const tree = <PayKitContext.Provider value={paykit}>{children}</PayKitContext.Provider>;
  return own ? <QueryClientProvider client={own}>{tree}</QueryClientProvider> : tree;
}

/** The provider's client, for calls no hook covers. */
export function usePayKit(): PayKitClient {
  const paykit = useContext(PayKitContext);
  if (!paykit) throw new Error("PayKit hooks must be used inside <PayKitProvider>");
  return paykit;
}

/** Queries retry a network error or a 5xx up to 3 times, never a 4xx: a 401 or 404 is the answer. */
function retry(failures: number, error: PayKitError | Error): boolean {
  return failures < 3 && !("status" in error && error.status < 500);
}

/** A write through the client that refreshes every PayKit query once it is done. */
function useChange<A extends unknown[], T>(run: (paykit: PayKitClient, ...args: A) => Promise<T>) {
  const paykit = usePayKit();
  const queries = useQueryClient();
  return useMutation<T, PayKitError, A>({
    mutationFn: (args) => run(paykit, ...args),
    onSuccess: () => queries.invalidateQueries({ queryKey: PAYKIT_QUERY_KEY }),
  });
}

/** The user's subscription (`null` when none), and the changes they can make to it. */
export function useSubscription() {
  const paykit = usePayKit();
  const query = useQuery<Awaited<ReturnType<PayKitClient["mySubscription"]>>, PayKitError>({
    retry, queryKey: [...PAYKIT_QUERY_KEY, "subscription"], queryFn: () => paykit.mySubscription(),
  });
  const cancel = useChange((p, options?: { immediately?: boolean }) => p.cancel(options));
  const resume = useChange((p) => p.resume());
  const changePlan = useChange((p, priceId: string, prorationBehavior?: ProrationBehavior) =>
    p.changePlan(priceId, { prorationBehavior }));
  const portal = useChange((p, returnUrl: string) => p.portal(returnUrl));
  return {
    subscription: query.data ?? null,
    isLoading: query.isLoading,
    error: query.error,
    refetch: query.refetch,
    cancel: (options?: { immediately?: boolean }) => cancel.mutateAsync([options]),
    resume: () => resume.mutateAsync([]),
    changePlan: (priceId: string, prorationBehavior?: ProrationBehavior) =>
      changePlan.mutateAsync([priceId, prorationBehavior]),
    previewChange: (priceId: string, prorationBehavior?: ProrationBehavior) =>
      paykit.previewChange(priceId, { prorationBehavior }),
    /** Opens Stripe's billing portal (or hands its URL to `redirect`). */
    openPortal: async (returnUrl?: string, redirect: (url: string) => void = assign) =>
      redirect(await portal.mutateAsync([returnUrl ?? globalThis.location.href])),
    isChanging: cancel.isPending || resume.isPending || changePlan.isPending,
    changeError: cancel.error ?? resume.error ?? changePlan.error ?? portal.error,
  };
}

/** The user's payments, newest first. */
export function usePayments(page: { page?: number; page_size?: number; cursor?: string } = {}) {
  const paykit = usePayKit();
  const query = useQuery<Awaited<ReturnType<PayKitClient["myPayments"]>>, PayKitError>({
    retry, queryKey: [...PAYKIT_QUERY_KEY, "payments", page], queryFn: () => paykit.myPayments(page),
  });
  return { payments: query.data?.payments ?? [], total: query.data?.total ?? 0,
    nextCursor: query.data?.next_cursor ?? null, isLoading: query.isLoading, error: query.error,
    refetch: query.refetch };
}

/** `check` for one feature: `allowed` is false until PayKit says otherwise. `refetchInterval` (ms) asks again
 * on a timer, e.g. right after a checkout, while the plan's entitlement is on its way with Stripe's webhook. */
export function useEntitlement(feature: string, { refetchInterval = false }: { refetchInterval?: number | false } = {}) {
  const paykit = usePayKit();
  const query = useQuery<Check, PayKitError>({
    retry, refetchInterval, queryKey: [...PAYKIT_QUERY_KEY, "check", feature], queryFn: () => paykit.check(feature),
  });
  const check = query.data;
  return {
    allowed: check?.allowed ?? false,
    remaining: check?.remaining ?? null,
    limit: check?.limit ?? null,
    used: check?.used ?? null,
    resetsAt: check?.resets_at ?? null,
    reason: check?.reason ?? null,
    value: check?.value ?? null,
    isLoading: query.isLoading,
    error: query.error,
    refetch: query.refetch,
  };
}

/** Counts usage of a feature; the feature's `useEntitlement` shows the new count at once, then refetches. */
export function useUsage(feature: string) {
  const paykit = usePayKit();
  const queries = useQueryClient();
  const mutation = useMutation<Awaited<ReturnType<PayKitClient["trackUsage"]>>, PayKitError, number>({
    mutationFn: (quantity) => paykit.trackUsage(feature, { quantity }),
    onSuccess: (usage) => {
      queries.setQueryData<Check>([...PAYKIT_QUERY_KEY, "check", feature], (check) => check && {
        ...check, used: usage.used, remaining: usage.remaining ?? null });
      return queries.invalidateQueries({ queryKey: PAYKIT_QUERY_KEY });
    },
  });
  return { track: (quantity = 1) => mutation.mutateAsync(quantity), usage: mutation.data ?? null,
    isPending: mutation.isPending, error: mutation.error };
}

function assign(url: string): void {
  globalThis.location.assign(url);
}

export type UseCheckoutOptions = Partial<Omit<CheckoutOptions, "priceId">> & {
  /** Where to send the browser; by default `location.assign` (a router's push works as well). */
  redirect?: (url: string) => void;
};

/** Starts a Stripe Checkout and sends the user to it; success and cancel come back to this page by default. */
export function useCheckout(defaults: UseCheckoutOptions = {}) {
  const paykit = usePayKit();
  const mutation = useMutation<string, PayKitError, [string, UseCheckoutOptions | undefined]>({
    mutationFn: async ([priceId, options]) => {
      const { redirect = assign, ...rest } = { ...defaults, ...options };
      const here = () => globalThis.location.href.split("#")[0];
      const success = `${here()}${here().includes("?") ? "&" : "?"}session_id={CHECKOUT_SESSION_ID}`;
      const session = await paykit.checkout({ success_url: success, cancel_url: here(), ...rest, priceId });
      redirect(session.checkout_url);
      return session.checkout_url;
    },
  });
  return { checkout: (priceId: string, options?: UseCheckoutOptions) => mutation.mutateAsync([priceId, options]),
    isPending: mutation.isPending, error: mutation.error };
}

/** The success page's read of its `session_id`: records the purchase at once and refreshes the other hooks. */
export function useCheckoutSession(sessionId: string | null | undefined) {
  const paykit = usePayKit();
  const queries = useQueryClient();
  const query = useQuery<Awaited<ReturnType<PayKitClient["checkoutStatus"]>>, PayKitError>({
    retry, queryKey: [...PAYKIT_QUERY_KEY, "checkout", sessionId],
    enabled: Boolean(sessionId),
    queryFn: async () => {
      const status = await paykit.checkoutStatus(sessionId as string);
      await queries.invalidateQueries({ queryKey: PAYKIT_QUERY_KEY,
        predicate: (q) => q.queryKey[1] !== "checkout" });
      return status;
    },
  });
  return { session: query.data ?? null, isLoading: query.isLoading, error: query.error };
}
