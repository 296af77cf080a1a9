"""The REST API v1 (`/api/v1/`): a door like the pages and the MTurk API; its endpoints call the
use cases of the packages below and hold no rule (docs/architecture.md)."""
