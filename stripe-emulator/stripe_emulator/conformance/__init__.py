"""Conformance of the emulator to the pinned SDK, as a tool of the package (its suite and benchmarks both use it):
`harness` (a webhook receiver, shortcuts), `lifecycle` (a recorded full run), and the checks of `objects`,
`parameters` and `expansion` against the SDK's own types."""
