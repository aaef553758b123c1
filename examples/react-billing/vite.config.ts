// The example on Vite: PayKit's API is proxied under the page's own origin (no CORS, the token stays first-party).
import { defineConfig } from "vite";

const api = { "/api": { target: process.env.PAYKIT_API ?? "http://127.0.0.1:3000", changeOrigin: true } };

export default defineConfig({
  // @paykit/client is linked from the repository: one React and one React Query for the app and the hooks.
  resolve: { dedupe: ["react", "react-dom", "@tanstack/react-query"] },
  server: { proxy: api },
  preview: { proxy: api },
});
