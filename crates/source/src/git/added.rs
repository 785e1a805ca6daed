//! Which lines of a new version of a file are new: the `+` lines of a diff against the old
//! version. Range and staged scans report only findings on these lines, so a secret that
//! was already there (and belongs to someone else's change) does not block this one.
//!
//! The diff is computed here (imara-diff) rather than by libgit2: libgit2 builds a patch
//! from two buffers by first hashing both with collision-detecting SHA-1, which cost more
//! than the diff and the scan together on a pre-commit run. The algorithm is git's default
//! (Myers with its speed heuristics, sliders moved down as xdiff does, no indent
//! heuristic), so the same lines count as added as in `git diff`.
use imara_diff::{Algorithm, Diff, InternedInput};

/// Added lines as sorted, disjoint, inclusive ranges of 1-based line numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddedLines {
    ranges: Vec<(u32, u32)>,
}

impl AddedLines {
    /// Every line of `new`: a file that did not exist before.
    pub fn all(new: &[u8]) -> Self {
        let n = line_count(new);
        AddedLines {
            ranges: if n == 0 { Vec::new() } else { vec![(1, n)] },
        }
    }

    /// The lines `new` adds to `old`. Both are decoded text (UTF-16 already transcoded),
    /// so line numbers agree with the findings the engine reports on `new`.
    /// Lines are compared with their line ending, as git does: a line whose CRLF became LF,
    /// or the last line gaining a newline, counts as changed.
    pub fn between(old: &[u8], new: &[u8]) -> Self {
        let input = InternedInput::new(old, new);
        let mut diff = Diff::compute(Algorithm::Myers, &input);
        diff.postprocess_no_heuristic(&input);
        let ranges = diff
            .hunks()
            .filter(|h| !h.after.is_empty())
            // Token indexes are 0-based and the range is half-open: 1-based inclusive lines.
            .map(|h| (h.after.start + 1, h.after.end))
            .collect();
        AddedLines { ranges }
    }

    /// Lines added relative to every one of several parents (a merge adds only what none
    /// of its parents had: conflict resolutions and "evil" changes).
    pub fn intersect(&self, other: &AddedLines) -> AddedLines {
        let (mut i, mut j) = (0, 0);
        let mut ranges = Vec::new();
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a0, a1) = self.ranges[i];
            let (b0, b1) = other.ranges[j];
            let (lo, hi) = (a0.max(b0), a1.min(b1));
            if lo <= hi {
                ranges.push((lo, hi));
            }
            if a1 < b1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        AddedLines { ranges }
    }

    pub fn contains(&self, line: usize) -> bool {
        let line = line as u32;
        let i = self.ranges.partition_point(|&(_, end)| end < line);
        self.ranges.get(i).is_some_and(|&(start, _)| start <= line)
    }

    pub fn count(&self) -> u64 {
        self.ranges.iter().map(|&(a, b)| u64::from(b - a + 1)).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

/// Lines in `text`; a last line without a newline counts.
pub fn line_count(text: &[u8]) -> u32 {
    let n = memchr::memchr_iter(b'\n', text).count() as u32;
    if text.last().is_some_and(|&b| b != b'\n') {
        n + 1
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_new_and_changed_lines_are_added() {
        let old = b"a\nb\nc\nd\n";
        let new = b"a\nB\nc\nd\ne\nf\n";
        let added = AddedLines::between(old, new);
        assert_eq!(added.ranges, vec![(2, 2), (5, 6)]);
        assert!(!added.contains(1) && added.contains(2) && !added.contains(3));
        assert!(added.contains(6) && !added.contains(7));
        assert_eq!(added.count(), 3);
    }

    #[test]
    fn deleting_lines_adds_none() {
        let added = AddedLines::between(b"a\nb\nc\n", b"a\nc\n");
        assert!(added.is_empty());
    }

    #[test]
    fn line_endings_count_as_content() {
        // CRLF to LF on line 2 changes it; a newline added at the end changes the last line.
        let added = AddedLines::between(b"a\r\nb\r\nc", b"a\r\nb\nc\n");
        assert_eq!(added.ranges, vec![(2, 3)]);
    }

    #[test]
    fn an_ambiguous_insertion_is_placed_last_as_git_does() {
        // Inserting "b\na\n" after "a\nb\n" could be lines 2-3 or 3-4; git (xdiff) slides
        // the hunk down as far as it goes.
        let added = AddedLines::between(b"x\na\nb\ny\n", b"x\na\nb\na\nb\ny\n");
        assert_eq!(added.ranges, vec![(4, 5)]);
    }

    #[test]
    fn from_or_to_nothing() {
        assert_eq!(AddedLines::between(b"", b"a\nb\n").ranges, vec![(1, 2)]);
        assert!(AddedLines::between(b"a\nb\n", b"").is_empty());
        assert!(AddedLines::between(b"same\n", b"same\n").is_empty());
    }

    #[test]
    fn a_new_file_is_all_added() {
        assert_eq!(AddedLines::all(b"x\ny").count(), 2);
        assert_eq!(AddedLines::all(b"x\ny\n").count(), 2);
        assert!(AddedLines::all(b"").is_empty());
    }

    #[test]
    fn intersection_keeps_lines_new_to_every_parent() {
        let a = AddedLines {
            ranges: vec![(1, 5), (8, 9)],
        };
        let b = AddedLines {
            ranges: vec![(3, 8)],
        };
        assert_eq!(a.intersect(&b).ranges, vec![(3, 5), (8, 8)]);
    }
}
