//! A labeled evaluation: a generated tree of realistic files holding planted secrets and
//! look-alikes, the truth about every planted line, and a scorer for any scanner's report.
//!
//! The tree is made at run time from a seed (nothing realistic is ever committed): every
//! built-in rule's own examples give format-correct values, which are written into the
//! places secrets really turn up (`.env` files, manifests, notebooks, minified bundles,
//! CRLF and UTF-16 files, base64 and escaped spans) next to the things that fool scanners
//! (placeholders, hashes, UUIDs, identifiers that contain a prefix, checksum-failing
//! look-alikes, lock files). The test suite holds ferret to recall and precision
//! thresholds on it, and `scripts/accuracy.sh` scores the peer scanners on the same tree.
//!
//! A finding matches a truth entry by path and line (any rule), so the scorer reads the
//! JSON of ferret, gitleaks, betterleaks and kingfisher alike.

mod archives;
mod binaries;
mod classes;
mod contexts;
mod decoys;
mod doc;
mod generate;
mod score;
mod sources;

pub use generate::generate;

/// Errors of writing the tree or reading a report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn io(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The rules the tree is made from: the repository's `rules/` folder (this crate is a
/// development tool run from the repository, never shipped).
pub fn rules_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules")
}
pub use score::{parse_report, read_report, score, table, Location, Score};

use serde::{Deserialize, Serialize};

/// Everything planted in a generated tree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Truth {
    pub seed: u64,
    pub files: usize,
    pub entries: Vec<Entry>,
}

/// One planted secret or look-alike. A finding on any line from `line` to `end_line` of
/// `path` is a finding of this entry (multi-line secrets such as key blocks span lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    pub line: usize,
    pub end_line: usize,
    /// The provider: the rules file the secret's rule lives in (`attio`, `webhooks`), or
    /// the provider a look-alike imitates (`generic` or `none` when it imitates nobody).
    pub family: String,
    /// The rule whose format the secret has (for look-alikes: the rule it imitates).
    pub rule: Option<String>,
    pub is_secret: bool,
    /// Where it was written: `dotenv`, `k8s-secret-data`, `notebook`, `example` (a rule's
    /// own example, verbatim), `placeholder`, `hash`...
    pub context: String,
    /// The class of issue 16 the entry measures (`command-lines`, `connection-strings`,
    /// `multi-part`), whose variant is `context`; none for the other layers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
}

impl Truth {
    pub fn secrets(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.is_secret)
    }

    /// The truth about the files under `prefix` only (`binaries/`, `archives/`): one class,
    /// scored on its own together with [`Location::under`].
    pub fn only(&self, prefix: &str) -> Truth {
        Truth {
            entries: self
                .entries
                .iter()
                .filter(|e| e.path.starts_with(prefix))
                .cloned()
                .collect(),
            ..self.clone()
        }
    }
}
