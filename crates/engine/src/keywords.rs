//! The keyword prefilter: every occurrence of every rule keyword, in any ASCII case.
//!
//! With a few hundred keywords no SIMD literal searcher applies (Teddy stops at 128
//! patterns, and its nibble buckets would pass most positions of source code), so the
//! search is a DFA stepping byte by byte, and two things decide its speed:
//!
//! - **Latency.** Each lookup needs the state the previous one produced, so one stream is
//!   bound by load latency. The content is cut into [`STREAMS`] segments stepped in one
//!   loop, their lookups independent of each other.
//! - **Cache.** On source code the automaton lives in its few hundred shallow states. In
//!   aho-corasick's DFA a state is a 256-byte row of `u32`s, and those rows spill out of
//!   the L1 cache. Here the automaton is rebuilt compactly: keywords are cut to their
//!   first [`PREFIX`] bytes (the rest is compared on a hit), a row has one `u16` per byte
//!   class (one class per distinct keyword byte, case folded, plus one for all others), so
//!   the hot rows fit in L1. Together this is a little over twice the speed of aho-corasick's
//!   `find` loop over a lowercased copy (streams 1.9x, the compact table 1.1-1.15x more on
//!   source code), and no copy is made.
//!
//! The table is built here, by the textbook Aho-Corasick construction over the trie of
//! cut keywords: for the few hundred keywords of the built-in rules that is about a tenth
//! of what building aho-corasick's NFA and reading its transitions out cost, which every
//! pre-commit run pays. The tests check every hit against aho-corasick's own search.
//!
//! Each stream starts in the start state at its segment, which finds every keyword that
//! starts there, and runs `PREFIX - 1` bytes into the next segment, so that a keyword
//! straddling the boundary is reported once, by the stream it starts in.
use std::collections::HashMap;

/// Segments searched at once: on source code 8 ran 12-20% faster than 4.
const STREAMS: usize = 8;

/// Below this, one stream: the set-up of the others costs more than it saves.
const MIN_SPLIT: usize = 2048;

/// Keywords are cut to this many bytes for the automaton. 348 keywords made 1,302 states
/// at 8 bytes (1,956 uncut), small enough for `u16` transitions with 45 byte classes; the
/// 1,496 of the 869 built-in rules make 5,485 states and need `u32` transitions (0.97 MB).
const PREFIX: usize = 8;

pub struct Keywords {
    /// Lowercased keywords.
    keywords: Vec<Vec<u8>>,
    /// Byte class of every byte.
    classes: [u8; 256],
    /// Byte classes: the width of a row of the table.
    stride: usize,
    table: Table,
    /// For each match state, the cut keywords ending there: (length, full keywords that
    /// begin with it).
    matches: Vec<Vec<(usize, Vec<usize>)>>,
}

/// Transitions, premultiplied: the entry for (state, class) is at `state + class` and
/// holds the next state times the number of classes. Match states come first, so a
/// state below `match_end` is a match.
enum Table {
    Small { next: Vec<u16>, match_end: u16 },
    Large { next: Vec<u32>, match_end: u32 },
}

/// A table entry: `u16` when the table is small enough, else `u32`.
trait Entry: Copy {
    fn index(self) -> usize;
}

impl Entry for u16 {
    fn index(self) -> usize {
        usize::from(self)
    }
}

impl Entry for u32 {
    fn index(self) -> usize {
        self as usize
    }
}

impl Keywords {
    /// `keywords` must be non-empty; they are matched in any ASCII case.
    pub fn new<S: AsRef<[u8]>>(keywords: &[S]) -> Keywords {
        let keywords: Vec<Vec<u8>> = keywords
            .iter()
            .map(|k| k.as_ref().to_ascii_lowercase())
            .collect();
        // The automaton's patterns: distinct cut keywords.
        let mut cut_index: HashMap<&[u8], usize> = HashMap::new();
        let mut cuts: Vec<&[u8]> = Vec::new();
        let mut full_of_cut: Vec<Vec<usize>> = Vec::new();
        for (i, k) in keywords.iter().enumerate() {
            let cut = &k[..k.len().min(PREFIX)];
            let c = *cut_index.entry(cut).or_insert_with(|| {
                cuts.push(cut);
                full_of_cut.push(Vec::new());
                cuts.len() - 1
            });
            full_of_cut[c].push(i);
        }
        let mut classes = [0u8; 256];
        let mut reps = vec![0u8]; // a byte that is in no keyword
        for &b in cuts.iter().flat_map(|c| c.iter()) {
            if classes[b as usize] == 0 {
                reps.push(b);
                classes[b as usize] = (reps.len() - 1) as u8;
            }
        }
        if reps.len() > 256 || classes[0] != 0 {
            // NUL in a keyword: give every byte its own class, which is always right.
            reps = (0..=255u8).collect();
            classes = std::array::from_fn(|b| b as u8);
        }
        // Keywords are lowercase, so an uppercase letter steps as its lowercase one.
        for b in b'A'..=b'Z' {
            classes[b as usize] = classes[b.to_ascii_lowercase() as usize];
        }
        let stride = reps.len();

        // The trie of the cut keywords, over byte classes: `child[s * stride + c]`, 0 for
        // none (the root, state 0, is no state's child); `ends[s]`, the cuts ending at s.
        let mut child: Vec<u32> = vec![0; stride];
        let mut ends: Vec<Vec<usize>> = vec![Vec::new()];
        for (p, cut) in cuts.iter().enumerate() {
            let mut s = 0;
            for &b in *cut {
                let at = s * stride + classes[b as usize] as usize;
                s = match child[at] {
                    0 => {
                        let t = ends.len();
                        child[at] = t as u32;
                        child.resize(child.len() + stride, 0);
                        ends.push(Vec::new());
                        t
                    }
                    t => t as usize,
                };
            }
            ends[s].push(p);
        }
        // Aho-Corasick's construction, breadth first: a missing transition is the one of
        // the longest proper suffix that is in the trie (the failure state, shallower, so
        // its row is complete), and a state matches its own cuts and its failure state's.
        let states = ends.len();
        let mut next = vec![0u32; states * stride];
        let mut fail = vec![0u32; states];
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); states];
        let mut order: Vec<u32> = vec![0];
        let mut i = 0;
        while i < order.len() {
            let s = order[i] as usize;
            i += 1;
            for c in 0..stride {
                let via_fail = if s == 0 {
                    0
                } else {
                    next[fail[s] as usize * stride + c]
                };
                match child[s * stride + c] {
                    0 => next[s * stride + c] = via_fail,
                    t => {
                        next[s * stride + c] = t;
                        fail[t as usize] = via_fail;
                        let mut o = ends[t as usize].clone();
                        o.extend_from_slice(&out[via_fail as usize]);
                        out[t as usize] = o;
                        order.push(t);
                    }
                }
            }
        }
        // Renumbered: match states first, then the start state, then the rest.
        let mut rank: Vec<usize> = (0..states).collect();
        rank.sort_by_key(|&s| (out[s].is_empty(), s != 0));
        let mut dense = vec![0usize; states];
        for (d, &s) in rank.iter().enumerate() {
            dense[s] = d;
        }
        let match_states = out.iter().filter(|o| !o.is_empty()).count();
        let mut table = vec![0usize; states * stride];
        for (s, row) in next.chunks_exact(stride).enumerate() {
            let at = dense[s] * stride;
            for (c, &t) in row.iter().enumerate() {
                table[at + c] = dense[t as usize] * stride;
            }
        }
        let next = table;
        let matches = rank[..match_states]
            .iter()
            .map(|&s| {
                out[s]
                    .iter()
                    .map(|&p| (cuts[p].len(), full_of_cut[p].clone()))
                    .collect()
            })
            .collect();
        let match_end = match_states * stride;
        let table = match u16::try_from(next.len()) {
            Ok(_) => Table::Small {
                next: next.iter().map(|&n| n as u16).collect(),
                match_end: match_end as u16,
            },
            Err(_) => Table::Large {
                next: next.iter().map(|&n| n as u32).collect(),
                match_end: match_end as u32,
            },
        };
        Keywords {
            keywords,
            classes,
            stride,
            table,
            matches,
        }
    }

    /// Calls `hit(keyword index, start offset)` for every occurrence of every keyword in
    /// `hay`, overlapping ones included, in no particular order.
    pub fn for_each(&self, hay: &[u8], mut hit: impl FnMut(usize, usize)) {
        match &self.table {
            Table::Small { next, match_end } => self.search(next, *match_end, hay, &mut hit),
            Table::Large { next, match_end } => self.search(next, *match_end, hay, &mut hit),
        }
    }

    fn search<T: Entry>(
        &self,
        next: &[T],
        match_end: T,
        hay: &[u8],
        hit: &mut impl FnMut(usize, usize),
    ) {
        let match_end = match_end.index();
        // Match states come first, then the start state.
        let start = match_end;
        let step = |state: usize, byte: u8| -> usize {
            next[state + self.classes[byte as usize] as usize].index()
        };
        if hay.len() < MIN_SPLIT {
            let mut state = start;
            for (i, &x) in hay.iter().enumerate() {
                state = step(state, x);
                if state < match_end {
                    self.report(state, hay, i + 1, hay.len(), hit);
                }
            }
            return;
        }
        let seg = hay.len().div_ceil(STREAMS);
        // Stream k reads [from[k], until[k]) and reports the keywords that start before
        // to[k], where the next segment begins.
        let from: [usize; STREAMS] = std::array::from_fn(|k| (k * seg).min(hay.len()));
        let to: [usize; STREAMS] = std::array::from_fn(|k| ((k + 1) * seg).min(hay.len()));
        let until: [usize; STREAMS] = std::array::from_fn(|k| (to[k] + PREFIX - 1).min(hay.len()));
        let steps = (0..STREAMS).map(|k| until[k] - from[k]).min().unwrap_or(0);
        let mut state = [start; STREAMS];
        let segs: [&[u8]; STREAMS] = std::array::from_fn(|k| &hay[from[k]..from[k] + steps]);
        // Indexing each segment (all `steps` long) keeps the streams in one loop body.
        #[allow(clippy::needless_range_loop)]
        for i in 0..steps {
            for k in 0..STREAMS {
                let s = step(state[k], segs[k][i]);
                state[k] = s;
                if s < match_end {
                    self.report(s, hay, from[k] + i + 1, to[k], hit);
                }
            }
        }
        for k in 0..STREAMS {
            let mut s = state[k];
            for at in from[k] + steps..until[k] {
                s = step(s, hay[at]);
                if s < match_end {
                    self.report(s, hay, at + 1, to[k], hit);
                }
            }
        }
    }

    /// The keywords whose cut ends at `end` (exclusive) in match state `state`, reported
    /// when they start before `to` and, when longer than the cut, match in full.
    #[cold]
    #[inline(never)]
    fn report(
        &self,
        state: usize,
        hay: &[u8],
        end: usize,
        to: usize,
        hit: &mut impl FnMut(usize, usize),
    ) {
        for (len, full) in &self.matches[state / self.stride] {
            let start = end - len;
            if start >= to {
                continue;
            }
            for &k in full {
                let kw = &self.keywords[k];
                if kw.len() == *len
                    || hay
                        .get(start..start + kw.len())
                        .is_some_and(|t| t.eq_ignore_ascii_case(kw))
                {
                    hit(k, start);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::AhoCorasick;

    /// (keyword, start) of every hit.
    type Hits = Vec<(usize, usize)>;

    /// What the streams find, against aho-corasick's own overlapping search.
    fn both(keywords: &[&str], hay: &[u8]) -> (Hits, Hits) {
        let mut got = Vec::new();
        Keywords::new(keywords).for_each(hay, |p, s| got.push((p, s)));
        got.sort_unstable();
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(keywords)
            .unwrap();
        let mut want: Hits = ac
            .find_overlapping_iter(hay)
            .map(|m| (m.pattern().as_usize(), m.start()))
            .collect();
        want.sort_unstable();
        (got, want)
    }

    #[test]
    fn every_occurrence_in_any_case_across_segment_boundaries() {
        let keywords = [
            "sk_",
            "sk_live_",
            "token",
            "whsec_",
            "ok",
            "access_token$production$",
            "access_token$sandbox$",
            "access_tokenizer",
        ];
        // Long enough to be split, with keywords placed across every boundary.
        let mut hay = Vec::new();
        let unit = b"..SK_Live_x Token whsec_ okok. ACCESS_TOKEN$Sandbox$ access_tokenize ";
        while hay.len() < 3 * MIN_SPLIT + 17 {
            hay.extend_from_slice(unit);
        }
        let (got, want) = both(&keywords, &hay);
        assert!(want.iter().any(|&(k, _)| k == 6));
        assert_eq!(got, want);
        for len in [0, 1, 2, 5, MIN_SPLIT - 1, MIN_SPLIT, MIN_SPLIT + 3] {
            let (got, want) = both(&keywords, &hay[..len.min(hay.len())]);
            assert_eq!(got, want, "length {len}");
        }
    }

    #[test]
    fn a_keyword_across_a_segment_boundary_is_found_once() {
        let long = "begin openssh private key";
        let mut hay = vec![b'x'; MIN_SPLIT];
        let at = MIN_SPLIT / STREAMS - 4;
        hay[at..at + long.len()].copy_from_slice(long.to_uppercase().as_bytes());
        let (got, want) = both(&[long, "key"], &hay);
        assert_eq!(got, want);
        assert!(got.contains(&(0, at)));
    }

    #[test]
    fn the_built_in_keywords_keep_the_table_compact() {
        // Only the shallow states' rows are hot on source code, but a table past 2 MB
        // (twice today's) would mean a rule with a runaway keyword list.
        let set = ferret_rules::RuleSet::from_dir(&crate::tests_rules_dir()).unwrap();
        let keywords: Vec<&String> = set.rules.iter().flat_map(|r| &r.keywords).collect();
        let k = Keywords::new(&keywords);
        let bytes = match &k.table {
            Table::Small { next, .. } => next.len() * 2,
            Table::Large { next, .. } => next.len() * 4,
        };
        assert!(bytes < 2 << 20, "{bytes} bytes of transitions");
    }

    #[test]
    fn the_built_in_keywords_are_found_as_aho_corasick_finds_them() {
        let set = ferret_rules::RuleSet::from_dir(&crate::tests_rules_dir()).unwrap();
        let keywords: Vec<&str> = set
            .rules
            .iter()
            .flat_map(|r| &r.keywords)
            .map(String::as_str)
            .collect();
        // Every keyword, whole and cut short, in alternating case, run together so that
        // suffixes of one are prefixes of the next (the failure transitions).
        let mut hay = Vec::new();
        for (i, k) in keywords.iter().enumerate() {
            let k: Vec<u8> = k
                .bytes()
                .enumerate()
                .map(|(j, b)| {
                    if (i + j) % 3 == 0 {
                        b.to_ascii_uppercase()
                    } else {
                        b
                    }
                })
                .collect();
            hay.extend_from_slice(&k);
            hay.extend_from_slice(&k[..k.len() / 2]);
            if i % 4 == 0 {
                hay.push(b' ');
            }
        }
        let (got, want) = both(&keywords, &hay);
        assert!(want.len() > keywords.len());
        assert_eq!(got, want);
    }

    #[test]
    fn many_keywords_take_the_wide_table() {
        let owned: Vec<String> = (0..3000).map(|i| format!("kw{i:04}q{}", i % 7)).collect();
        let keywords: Vec<&str> = owned.iter().map(String::as_str).collect();
        assert!(matches!(
            Keywords::new(&keywords).table,
            Table::Large { .. }
        ));
        let hay: String = (0..2000)
            .map(|i| format!("x KW{:04}Q{} ", i * 7 % 3000, i % 5))
            .collect();
        let (got, want) = both(&keywords, hay.as_bytes());
        assert!(want.len() > 100);
        assert_eq!(got, want);
    }

    #[test]
    fn bytes_outside_ascii_and_nul_are_keyword_bytes_too() {
        let keywords = ["\u{e9}t\u{e9}", "a\0b"];
        let hay = "x\u{c9}t\u{e9} \u{e9}t\u{e9} a\0b A\0B".as_bytes();
        let (got, want) = both(&keywords, hay);
        assert_eq!(got, want);
        assert_eq!(got.len(), 3);
    }
}
