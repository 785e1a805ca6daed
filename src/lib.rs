//! ferret finds secrets in files, git history and staged changes.
//!
//! The pipeline, one module per stage:
//! - [`source`]: where bytes come from (a directory walk, stdin, git objects);
//! - [`engine`]: a keyword prefilter (Aho-Corasick) picks candidate rules, then each
//!   candidate rule's regex confirms and captures the secret; entropy, allowlists and
//!   overlap resolution decide what is reported;
//! - [`finding`]: the one `Finding` type and its fingerprint;
//! - [`verify`]: optional live checks of found secrets against their issuing services;
//! - [`allow`]: baselines and `.ferretignore`, applied to the findings before reporting;
//! - [`report`]: human, JSON, JSONL, SARIF and GitHub annotation output.
//!
//! Rules are data ([`rules`]): TOML files embedded in the binary, extended by a config.
//! The hygiene audit ([`audit`]) reads the same scan results for repository-level problems.

pub mod allow;
pub mod app;
pub mod audit;
pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod eval;
pub mod finding;
pub mod hook;
pub mod report;
pub mod rules;
pub mod source;
pub mod verify;

pub use error::{Error, Result};
