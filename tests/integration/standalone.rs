//! The repository stands alone: a clone with nothing beside it builds, tests and
//! benchmarks. And the offline checks the other tests rely on do catch what they check.
use crate::util::{action_yml, repo_root, sarif};
use serde_json::json;

/// Tracked or not, no file of the repository (outside build output and git's own
/// directory) names the folder that sits beside the developers' checkout.
#[test]
fn no_file_refers_to_a_folder_outside_the_repository() {
    let needle = ["..", "/shared"].concat();
    let mut offenders = Vec::new();
    let mut stack = vec![repo_root().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let name = entry.file_name();
            let ty = entry.file_type().unwrap();
            if ty.is_dir() {
                if name != "target" && name != ".git" {
                    stack.push(path);
                }
            } else if ty.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                if memchr::memmem::find(&bytes, needle.as_bytes()).is_some() {
                    offenders.push(
                        path.strip_prefix(repo_root())
                            .unwrap()
                            .display()
                            .to_string(),
                    );
                }
            }
        }
    }
    offenders.sort();
    assert!(
        offenders.is_empty(),
        "files referring to {needle}: {offenders:?}"
    );
}

fn minimal_sarif() -> serde_json::Value {
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "t", "semanticVersion": "1.2.3", "rules": [{
                "id": "r",
                "shortDescription": {"text": "s"},
                "fullDescription": {"text": "f"},
                "help": {"text": "h"},
                "properties": {"security-severity": "7.0", "precision": "high"}
            }]}},
            "results": [{
                "ruleId": "r", "ruleIndex": 0,
                "message": {"text": "m"},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": "src/a.rs"},
                    "region": {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 5}
                }}],
                "partialFingerprints": {"ferret/v1": "abc"}
            }]
        }]
    })
}

#[test]
fn the_sarif_check_passes_a_good_file_and_names_each_fault() {
    let good = minimal_sarif();
    assert_eq!(
        sarif::problems(good.to_string().as_bytes()),
        Vec::<String>::new()
    );
    let faults: &[(&str, serde_json::Value, &str)] = &[
        ("/version", json!("2.0.0"), "version"),
        (
            "/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri",
            json!("/abs/a.rs"),
            "absolute",
        ),
        (
            "/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri",
            json!("../a.rs"),
            "climbs out",
        ),
        (
            "/runs/0/results/0/locations/0/physicalLocation/region/startLine",
            json!(0),
            "startLine",
        ),
        (
            "/runs/0/results/0/ruleId",
            json!("other"),
            "not in tool.driver.rules",
        ),
        (
            "/runs/0/results/0/partialFingerprints",
            json!({}),
            "partialFingerprints",
        ),
        ("/runs/0/tool/driver/rules/0/help", json!({}), "help.text"),
        (
            "/runs/0/tool/driver/rules/0/properties/security-severity",
            json!("high"),
            "security-severity",
        ),
        // The schema layer: a result's level must be one of SARIF's levels.
        (
            "/runs/0/results/0/level",
            json!("fatal"),
            "schema at $/runs/0/results/0/level",
        ),
    ];
    for (at, value, expect) in faults {
        let mut doc = good.clone();
        let (parent, key) = at.rsplit_once('/').unwrap();
        doc.pointer_mut(parent).unwrap()[key] = value.clone();
        let found = sarif::problems(doc.to_string().as_bytes());
        assert!(
            found.iter().any(|p| p.contains(expect)),
            "{at} = {value}: expected a problem mentioning {expect:?}, got {found:?}"
        );
    }
}

#[test]
fn the_action_yml_check_names_each_fault() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("action.yml");
    std::fs::write(
        &file,
        "name: x\ndescription: d\ninputs:\n  a:\n    description: a\n    required: true\n    default: '1'\n\
         runs:\n  using: composite\n  steps:\n    - run: echo ${{ inputs.b }}\n    - uses: actions/cache\n",
    )
    .unwrap();
    let found = action_yml::problems(&file);
    for expect in [
        "required and with a default",
        "inputs.b",
        "without shell",
        "without an @ref",
    ] {
        assert!(
            found.iter().any(|p| p.contains(expect)),
            "{expect}: {found:?}"
        );
    }
    std::fs::write(&file, "name: x\nruns:\n  using: composite\n  steps: []\n").unwrap();
    let found = action_yml::problems(&file);
    assert!(found.iter().any(|p| p.starts_with("schema")), "{found:?}");
}
