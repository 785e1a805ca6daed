//! One integration test binary (as ripgrep does): a shared harness and one module per area.
mod harness;
mod mock_api;

mod checksum;
mod contexts;
mod encoded;
mod rules;
mod scan;
mod verify;
