//! Typed library errors. Each variant names the thing that went wrong (a path, a rule id,
//! a commit) so that the one place that prints errors can say something useful.
use std::path::PathBuf;

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not found")]
    NotFound { path: PathBuf },
    #[error("config {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("rule {id}: {message}")]
    Rule { id: String, message: String },
    #[error("rules file {file}: {message}")]
    RulesFile { file: String, message: String },
    #[error("git {repo}: {message}")]
    Git { repo: PathBuf, message: String },
    #[error("{0}")]
    Usage(String),
    /// A baseline or `.ferretignore` that cannot be read as a list of fingerprints.
    #[error("{path}: {message}")]
    Baseline { path: PathBuf, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound { path }
        } else {
            Error::Io { path, source }
        }
    }
}
