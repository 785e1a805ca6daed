//! `ferret org merge --format sqlite`: the merged report as a SQLite database a team can
//! query (which live keys are in more than one repository? which repositories were not
//! fully scanned?). The schema is [`SCHEMA`], documented in docs/org-audit.md; secrets
//! are stored as the records hold them (redacted unless the shards ran with
//! `--show-secrets`).
use crate::merge::Merged;
use crate::{Error, Result};
use rusqlite::{params, Connection};
use serde_json::Value;
use std::path::Path;

/// Bumped when the schema changes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: u32 = 1;

/// The tables and indexes.
pub const SCHEMA: &str = "
CREATE TABLE repos (
  repo            TEXT PRIMARY KEY,  -- org/name, or the path of a local repository
  url             TEXT NOT NULL,     -- without credentials
  status          TEXT NOT NULL CHECK (status IN ('complete', 'partial', 'failed', 'missing')),
  errors          TEXT NOT NULL,     -- JSON array of messages
  shard           TEXT,              -- I/N
  run             TEXT,
  refs            INTEGER NOT NULL,
  commits_scanned INTEGER NOT NULL,  -- by the last run (only new commits when incremental)
  blobs_scanned   INTEGER NOT NULL,
  bytes_scanned   INTEGER NOT NULL,
  incremental     INTEGER NOT NULL,  -- 1 when the last run built on an earlier one
  findings        INTEGER NOT NULL,
  rules_hash      TEXT,
  finished        TEXT,              -- RFC 3339
  coverage        TEXT               -- the whole coverage record, JSON
);
CREATE TABLE secrets (
  secret_id TEXT PRIMARY KEY,        -- HMAC-SHA256 of the secret under the org key
  rule_id   TEXT NOT NULL,
  secret    TEXT NOT NULL,           -- redacted unless --show-secrets
  repos     INTEGER NOT NULL,        -- how many repositories hold it
  findings  INTEGER NOT NULL
);
CREATE TABLE verification (
  secret_id    TEXT PRIMARY KEY REFERENCES secrets (secret_id),
  status       TEXT NOT NULL CHECK (status IN ('verified', 'invalid', 'unknown')),
  reason       TEXT,
  http_status  INTEGER,
  scopes       TEXT,                 -- JSON array, NULL when the rule says nothing
  write_scopes TEXT,                 -- JSON array
  identity     TEXT                  -- JSON object
);
CREATE TABLE findings (
  id          INTEGER PRIMARY KEY,
  secret_id   TEXT REFERENCES secrets (secret_id),  -- NULL for files flagged by name
  repo        TEXT NOT NULL REFERENCES repos (repo),
  rule_id     TEXT NOT NULL,
  severity    TEXT NOT NULL,
  path        TEXT NOT NULL,
  line        INTEGER NOT NULL,
  col         INTEGER NOT NULL,
  commit_id   TEXT,                  -- the commit that introduced it
  author      TEXT,
  email       TEXT,
  date        TEXT,
  message     TEXT,
  fingerprint TEXT NOT NULL,
  snippet     TEXT,
  decoded     TEXT,
  record      TEXT NOT NULL          -- the finding as the JSON report has it
);
CREATE INDEX findings_by_secret ON findings (secret_id);
CREATE INDEX findings_by_repo ON findings (repo);
";

/// Writes the database to `path` (replacing it), through a temporary file.
pub fn write(m: &Merged, path: &Path) -> Result<()> {
    let fail = |e: rusqlite::Error| Error::Sqlite {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .map_or("db".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    let mut db = Connection::open(&tmp).map_err(fail)?;
    db.execute_batch(SCHEMA).map_err(fail)?;
    db.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(fail)?;
    let tx = db.transaction().map_err(fail)?;
    {
        let mut repo = tx
            .prepare(
                "INSERT INTO repos VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .map_err(fail)?;
        for c in &m.repos {
            repo.execute(params![
                c.repo,
                c.url,
                c.status.as_str(),
                serde_json::to_string(&c.errors).unwrap_or_default(),
                c.shard,
                c.run,
                c.refs.len() as i64,
                c.commits_scanned as i64,
                c.blobs_scanned as i64,
                c.bytes_scanned as i64,
                i64::from(c.incremental.is_some()),
                c.findings as i64,
                c.rules_hash,
                c.finished,
                serde_json::to_string(c).unwrap_or_default(),
            ])
            .map_err(fail)?;
        }
        for (name, url) in &m.missing {
            repo.execute(params![
                name,
                url,
                "missing",
                r#"["no coverage record"]"#,
                None::<String>,
                None::<String>,
                0,
                0,
                0,
                0,
                0,
                0,
                None::<String>,
                None::<String>,
                None::<String>,
            ])
            .map_err(fail)?;
        }
        let mut secret = tx
            .prepare("INSERT INTO secrets VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(fail)?;
        let mut verification = tx
            .prepare("INSERT INTO verification VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .map_err(fail)?;
        let mut finding = tx
            .prepare(
                "INSERT INTO findings (secret_id, repo, rule_id, severity, path, line, col, commit_id, \
                 author, email, date, message, fingerprint, snippet, decoded, record) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )
            .map_err(fail)?;
        for g in m.secrets() {
            if let Some(id) = &g.secret_id {
                secret
                    .execute(params![
                        id,
                        g.rule_id,
                        g.secret,
                        g.repos.len() as i64,
                        g.findings.len() as i64
                    ])
                    .map_err(fail)?;
                if let Some(v) = &g.verification {
                    let json_or_null = |k: &str| (!v[k].is_null()).then(|| v[k].to_string());
                    verification
                        .execute(params![
                            id,
                            v["status"].as_str().unwrap_or("unknown"),
                            v["reason"].as_str(),
                            v["http_status"].as_i64(),
                            json_or_null("scopes"),
                            json_or_null("write_scopes"),
                            json_or_null("identity"),
                        ])
                        .map_err(fail)?;
                }
            }
            for f in &g.findings {
                let t = |k: &str| f[k].as_str().map(String::from);
                finding
                    .execute(params![
                        g.secret_id,
                        t("repo"),
                        t("rule_id"),
                        t("severity"),
                        t("path"),
                        f["line"].as_i64().unwrap_or(0),
                        f["column"].as_i64().unwrap_or(0),
                        t("commit"),
                        t("author"),
                        t("email"),
                        t("date"),
                        t("message"),
                        t("fingerprint"),
                        t("snippet"),
                        t("decoded"),
                        Value::to_string(f),
                    ])
                    .map_err(fail)?;
            }
        }
    }
    tx.commit().map_err(fail)?;
    db.close().map_err(|(_, e)| fail(e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
