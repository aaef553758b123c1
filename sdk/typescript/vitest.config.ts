// Tests run against the local stack the pytest driver starts (tests/e2e/sdk); its URLs come in PAYKIT_* variables.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.{ts,tsx}"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
