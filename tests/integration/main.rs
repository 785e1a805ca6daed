//! One integration test binary (as ripgrep does): a shared harness and one module per area.
mod mock_api;
#[path = "../util/mod.rs"]
mod util;

mod action;
mod action_events;
mod all_objects;
mod audit;
mod baseline;
mod binaries;
mod checksum;
mod ci;
mod confidence;
mod contexts;
mod encoded;
mod eval;
mod fuzz_corpus;
mod git;
mod gitleaks;
mod hooks;
mod hostile;
mod org;
mod packaging;
mod pairs;
mod reports;
mod rules;
mod sarif_history;
mod scan;
mod snapshots;
mod standalone;
mod verify;
mod verify_builtin;
mod verify_cloud;
