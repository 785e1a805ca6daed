//! Errors of loading and checking rules. Each variant names the thing that went wrong (a
//! path, a rule id) so that the one place that prints errors can say something useful.
use std::path::PathBuf;

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
    /// The id is shown only when it reads like one (see [`crate::safe::id`]).
    #[error("rule {}: {message}", crate::safe::id(id))]
    Rule { id: String, message: String },
    #[error("rules file {file}: {message}")]
    RulesFile { file: String, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path`; a missing file is [`Error::NotFound`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound { path }
        } else {
            Error::Io { path, source }
        }
    }
}
