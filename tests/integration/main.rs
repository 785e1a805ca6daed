//! One integration test binary (as ripgrep does): a shared harness and one module per area.
mod harness;
mod mock_api;

mod action;
mod baseline;
mod checksum;
mod ci;
mod contexts;
mod encoded;
mod eval;
mod reports;
mod rules;
mod scan;
mod verify;
