//! Which scopes let a key change things. A leaked read-only key is bad; a key that can
//! write, delete or administer is worse, and the report says which it is.
//!
//! The classification is data: a scope is split into words on every character that is not
//! a letter or digit (`record_permission:read-write` → `record`, `permission`, `read`,
//! `write`), and it can write when one of its words is in [`WRITE_WORDS`], or when the
//! whole scope is in [`WRITE_SCOPES`] (names that grant writing without saying so, such as
//! GitHub's classic `repo`). docs/verify.md lists both tables.

/// Words that, anywhere in a scope, grant writing: `chat:write`, `write:packages`,
/// `list_entry:read-write`, `admin:org`, `delete_repo`, `mail.send`, `full_access`.
pub const WRITE_WORDS: &[&str] = &[
    "write",
    "readwrite",
    "admin",
    "administer",
    "owner",
    "manage",
    "delete",
    "destroy",
    "create",
    "update",
    "edit",
    "modify",
    "publish",
    "upload",
    "send",
    "execute",
    "full",
];

/// Whole scopes that grant writing although none of their words says so.
pub const WRITE_SCOPES: &[&str] = &[
    // Any scope at all.
    "*",
    // GitHub classic OAuth scopes: `repo` and `public_repo` push code, `workflow` edits
    // Actions workflows, `gist` creates gists, `user` updates the profile.
    "repo",
    "public_repo",
    "workflow",
    "gist",
    "user",
];

/// True when `scope` lets its holder change something.
pub fn is_write(scope: &str) -> bool {
    let s = scope.trim().to_ascii_lowercase();
    if WRITE_SCOPES.contains(&s.as_str()) {
        return true;
    }
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| WRITE_WORDS.contains(&word))
}

/// The scopes of `all` that can write, in their original order.
pub fn write_scopes(all: &[String]) -> Vec<String> {
    all.iter().filter(|s| is_write(s)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attio_scopes_split_into_read_and_write() {
        for s in [
            "record_permission:read-write",
            "list_entry:read-write",
            "object_configuration:read-write",
        ] {
            assert!(is_write(s), "{s}");
        }
        for s in [
            "object_configuration:read",
            "user_management:read",
            "record_permission:read",
        ] {
            assert!(!is_write(s), "{s}");
        }
    }

    #[test]
    fn other_providers_write_scopes_are_recognised() {
        for s in [
            "repo",
            "write:packages",
            "admin:org",
            "delete_repo",
            "chat:write",
            "files:write",
            "mail.send",
            "admin",
            "*",
            "Write",
        ] {
            assert!(is_write(s), "{s}");
        }
        for s in [
            "read:org",
            "read:user",
            "users:read",
            "channels:history",
            "user:email",
            "offline_access",
            "posts:read",
        ] {
            assert!(!is_write(s), "{s}");
        }
    }

    #[test]
    fn write_scopes_keep_order() {
        let all: Vec<String> = ["a:read", "b:read-write", "c:read", "d:write"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(write_scopes(&all), ["b:read-write", "d:write"]);
    }
}
