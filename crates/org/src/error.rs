//! Errors of the org commands: each names the file, repository or argument at fault.
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file ferret wrote or reads that is not what it should be.
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
    /// A bad argument or combination of arguments.
    #[error("{0}")]
    Usage(String),
    /// The GitHub API refused or failed; the message never holds the token.
    #[error("GitHub API: {0}")]
    Api(String),
    #[error("{path}: SQLite: {message}")]
    Sqlite { path: PathBuf, message: String },
    #[error(transparent)]
    Source(#[from] ferret_source::Error),
    #[error(transparent)]
    Rules(#[from] ferret_rules::Error),
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Format {
            path: path.into(),
            message: message.into(),
        }
    }
}
