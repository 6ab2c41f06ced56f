//! Temporary shim to run tests/integration/check.rs on its own while the check branch is
//! separate; the lead removes it and adds `mod check;` to tests/integration/main.rs.

#[path = "integration/common.rs"]
mod common;

#[path = "integration/check.rs"]
mod check;
