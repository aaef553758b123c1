"""The emulator's infrastructure: state, ids, errors, parameters, rendering and expansion, routes, events, delivery."""
