//! One integration test binary (as ripgrep does): a shared harness and one module per area.
mod harness;
mod mock_api;

mod contexts;
mod encoded;
mod gitleaks;
mod rules;
mod scan;
mod verify;
