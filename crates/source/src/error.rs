//! Errors of reading content: each names the file, the repository or the argument.
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
    #[error("git {repo}: {message}")]
    Git { repo: PathBuf, message: String },
    /// A remote repository that could not be mirrored; `url` has no credentials.
    #[error("{url}: {message}")]
    Remote { url: String, message: String },
    /// A bad argument (a range without `..`).
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Rules(#[from] ferret_rules::Error),
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
