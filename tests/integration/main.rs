//! One integration test binary (as ripgrep does): a shared harness and one module per area.
mod harness;

mod contexts;
mod encoded;
mod rules;
mod scan;
