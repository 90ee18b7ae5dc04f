//! Helpers shared by the workspace's top-level tests.
