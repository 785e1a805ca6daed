//! What a finding's path says about it, and the confidence that follows.
//!
//! A test or fixture directory holds keys made for the tests, tokens copied from a
//! provider's documentation and passwords nobody uses: on six large projects' trees
//! (docs/accuracy.md, "Noise on clean code") 272 of ferret's 282 findings stood in one.
//! Such a finding is not dropped, since a real key committed next to the tests is still a
//! leak; its confidence goes down one level, and the thresholds (`--min-confidence`, each
//! command's default) decide what is shown.
//!
//! Only directories count, never a file's own name: `scripts/smoke-test.sh` is a script
//! that talks to live services with live keys, while `src/test/resources/server.key` is a
//! fixture.
use ferret_rules::Confidence;

/// Where a finding stands, when that lowers its confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// In a directory of tests or test data (`test/`, `src/test/`, `__tests__/`,
    /// `fixtures/`, `testdata/`, `spec/`, `e2e/`, a Gradle `dockerTest` source set...).
    Test,
}

impl Context {
    /// The name reports carry (`"context": "test"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Context::Test => "test",
        }
    }

    /// What it means, for people.
    pub fn describe(self) -> &'static str {
        match self {
            Context::Test => "in a test or fixture directory",
        }
    }

    /// The context a path puts its findings in, if any.
    pub fn of_path(path: &str) -> Option<Context> {
        // An archive member (`app.jar!BOOT-INF/...`) is judged by both paths.
        let mut dirs = path.split(['/', '\\', '!']).collect::<Vec<_>>();
        dirs.pop(); // the file's own name
        dirs.iter()
            .any(|d| words(d).iter().any(|w| TEST_WORDS.contains(&w.as_str())))
            .then_some(Context::Test)
    }
}

/// Words that name a directory of tests or test data, lowercase. `spec` is RSpec's and
/// Jasmine's; `testdata` Go's; `e2e` end-to-end tests'; `mock`, `stub` and `fixture`
/// directories hold made-up data by their names.
const TEST_WORDS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "testdata",
    "testutil",
    "testutils",
    "spec",
    "specs",
    "fixture",
    "fixtures",
    "mock",
    "mocks",
    "stub",
    "stubs",
    "e2e",
];

/// The lowercase words of a name: split at anything but letters and digits and where
/// lowercase turns to uppercase (`testFixtures`, `dockerTest`, `SecurityTests`,
/// `prodApiKey`). Shared with the audit's reading of variable and file names.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// A finding's confidence where it stands: its rule's, one level lower in a [`Context`].
pub fn placed(rule: Confidence, path: &str) -> (Confidence, Option<Context>) {
    match Context::of_path(path) {
        Some(c) => (rule.lowered(), Some(c)),
        None => (rule, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_directories_are_found_by_their_words() {
        for p in [
            "spring-boot/core/src/test/resources/ssl/server.key",
            "module/src/dockerTest/resources/client.key",
            "module/src/testFixtures/resources/test-key.pem",
            "smoke-test/app/src/main/resources/saml/privatekey.txt",
            "Symfony/Component/Mailer/Tests/Webhook/Fixtures/opens.json",
            "web/__tests__/api.js",
            "pkg/x/testdata/key.pem",
            "spec/models/user_spec.rb",
            "integration_tests/conf.yml",
            "archive.zip!tests/key.pem",
        ] {
            assert_eq!(Context::of_path(p), Some(Context::Test), "{p}");
        }
    }

    #[test]
    fn other_paths_and_file_names_are_not_tests() {
        for p in [
            "scripts/smoke-test.sh",
            "config/test.env",
            "src/main/resources/application.yml",
            "latest/config.yml",
            "contest/keys.pem",
            "attestation/signing.key",
            "docs/connections.md",
            "PusherBroadcasterTest.php",
            "a.zip!config/prod.env",
        ] {
            assert_eq!(Context::of_path(p), None, "{p}");
        }
    }

    #[test]
    fn a_test_directory_lowers_confidence_one_level() {
        let p = "src/test/key.pem";
        assert_eq!(placed(Confidence::High, p).0, Confidence::Medium);
        assert_eq!(placed(Confidence::Medium, p).0, Confidence::Low);
        assert_eq!(placed(Confidence::Low, p).0, Confidence::Low);
        assert_eq!(
            placed(Confidence::Medium, "src/key.pem"),
            (Confidence::Medium, None)
        );
    }
}
