// The React entry on a server (Node, no DOM): importing it and rendering the hooks touches no `window`.
import { renderToString } from "react-dom/server";
import { expect, test } from "vitest";

test("the hooks import and render on the server, as loading, without window", async () => {
  expect(typeof window).toBe("undefined");
  const { PayKitProvider, useEntitlement, useSubscription } = await import("../src/react.js");
  function Page() {
    const { allowed, isLoading } = useEntitlement("exports");
    const { subscription } = useSubscription();
    return <p>{isLoading ? "checking" : String(allowed)} {subscription ? "subscribed" : "none"}</p>;
  }
  const html = renderToString(<PayKitProvider baseUrl="http://127.0.0.1:9" token="t"><Page /></PayKitProvider>);
  expect(html).toBe("<p>checking<!-- --> <!-- -->none</p>");
});
