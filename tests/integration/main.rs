//! One integration test binary (as ripgrep does): a shared harness and one module per area.
mod harness;

mod contexts;
mod rules;
mod scan;
