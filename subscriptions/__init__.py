"""The live layer: subscriptions over websockets (`graphql-transport-ws`), fanned out per
process by a hub that reads the event log, with `broadcaster` (memory or Redis) ringing the
doorbell across processes. See docs/architecture.md, "Live updates"."""
