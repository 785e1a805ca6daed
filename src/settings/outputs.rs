//! Where each report goes (`--format NAME[=FILE]`, repeatable, and `--output FILE`), and
//! how paths become repository-relative for the formats GitHub reads.
//!
//! One scan can feed several readers: in CI, annotations on stdout for the step log and
//! SARIF in a file for code scanning, without scanning twice. Each format goes to its own
//! file or to stdout, and at most one goes to stdout, so two reports never interleave.
use crate::cli::FormatArg;
use anyhow::{bail, Result};
use ferret_report::{Format, RepoPaths};
use std::path::{Path, PathBuf};

/// One report: a format and its file (`None`: stdout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    pub file: Option<PathBuf>,
}

/// Each `--format` with its destination. The last format without `=FILE` goes to
/// `--output FILE` when given (`-f github -f sarif -o out.sarif`: annotations on stdout,
/// SARIF in the file); any other format without a file goes to stdout, and only one may.
/// Two formats for one file are an error too.
pub fn resolve(formats: &[FormatArg], output: Option<&Path>) -> Result<Vec<Output>> {
    let mut outputs: Vec<Output> = formats
        .iter()
        .map(|f| Output {
            format: f.format,
            file: f.file.clone(),
        })
        .collect();
    if let Some(out) = output {
        match outputs.iter_mut().rev().find(|o| o.file.is_none()) {
            Some(last) => last.file = Some(out.to_path_buf()),
            None => bail!(
                "--output {}: every --format already names its file; drop --output or a \
                 format's =FILE",
                out.display()
            ),
        }
    }
    let stdout: Vec<&str> = outputs
        .iter()
        .filter(|o| o.file.is_none())
        .map(|o| o.format.name())
        .collect();
    if let [.., last] = stdout[..] {
        if stdout.len() > 1 {
            let ext = match last {
                "human" | "github" => "txt",
                other => other,
            };
            bail!(
                "only one report can go to stdout, but {} formats have no file ({}); give \
                 the others one with --format NAME=FILE (e.g. --format {last}=ferret.{ext})",
                stdout.len(),
                stdout.join(", "),
            );
        }
    }
    for (i, a) in outputs.iter().enumerate() {
        let Some(file) = &a.file else { continue };
        if let Some(b) = outputs[..i].iter().find(|b| b.file.as_ref() == Some(file)) {
            bail!(
                "--format {} and --format {} both write to {}; give each its own file",
                b.format.name(),
                a.format.name(),
                file.display()
            );
        }
    }
    Ok(outputs)
}

/// Repository-relative paths for findings whose paths start at `base` (the scanned
/// directory, or the working directory for files named on the command line): the
/// enclosing git work tree is found by walking up from `base`. Outside a repository,
/// paths stay as they are.
pub fn repo_paths(base: &Path) -> RepoPaths {
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    ferret_source::git::work_tree_root(base)
        .and_then(|root| RepoPaths::new(&root, base))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(format: Format, file: Option<&str>) -> FormatArg {
        FormatArg {
            format,
            file: file.map(PathBuf::from),
        }
    }

    #[test]
    fn each_format_gets_one_place() {
        let one = resolve(&[arg(Format::Human, None)], None).unwrap();
        assert_eq!(one[0].file, None);
        let two = resolve(
            &[
                arg(Format::Github, None),
                arg(Format::Sarif, Some("x.sarif")),
            ],
            None,
        )
        .unwrap();
        assert_eq!(two[0].file, None);
        assert_eq!(two[1].file.as_deref(), Some(Path::new("x.sarif")));
        let o = resolve(
            &[arg(Format::Json, Some("a.json")), arg(Format::Sarif, None)],
            Some(Path::new("b.sarif")),
        )
        .unwrap();
        assert_eq!(o[1].file.as_deref(), Some(Path::new("b.sarif")));

        // -o takes the last format without a file; the other goes to stdout.
        let o = resolve(
            &[arg(Format::Github, None), arg(Format::Sarif, None)],
            Some(Path::new("o.sarif")),
        )
        .unwrap();
        assert_eq!(o[0].file, None);
        assert_eq!(o[1].file.as_deref(), Some(Path::new("o.sarif")));

        let e = resolve(&[arg(Format::Github, None), arg(Format::Sarif, None)], None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("only one report can go to stdout"), "{e}");
        assert!(e.contains("(github, sarif)"), "{e}");
        assert!(e.contains("--format sarif=ferret.sarif"), "{e}");
        let e = resolve(
            &[
                arg(Format::Human, None),
                arg(Format::Github, None),
                arg(Format::Sarif, None),
            ],
            Some(Path::new("o")),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("(human, github)"), "{e}");
        let e = resolve(
            &[
                arg(Format::Json, Some("same")),
                arg(Format::Sarif, Some("same")),
            ],
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("both write to same"), "{e}");
        assert!(resolve(&[arg(Format::Json, Some("a"))], Some(Path::new("b"))).is_err());
    }
}
