//! The keyword prefilter: every occurrence of every rule keyword, in any ASCII case.
//!
//! With a few hundred keywords no SIMD literal searcher applies (Teddy stops at 128
//! patterns and its nibble buckets pass most positions of source code), so the search is
//! an Aho-Corasick DFA stepping byte by byte. One stream through such a DFA is bound by
//! the latency of each table lookup, not by throughput: the next lookup needs the state
//! the previous one produced. So the content is cut into [`STREAMS`] segments and the
//! DFA runs over all of them in one loop, their lookups independent of each other; on
//! source code that is about twice the speed of one `find` loop over a lowercased copy,
//! and no copy is made. The DFA folds ASCII case itself.
//!
//! Each stream starts in the start state at its segment, which finds every keyword that
//! starts there, and runs `longest keyword - 1` bytes into the next segment, so that a
//! keyword straddling the boundary is reported once, by the stream it starts in.
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::{Builder, DFA};
use aho_corasick::{Anchored, MatchKind};

/// Segments searched at once.
const STREAMS: usize = 4;

/// Below this, one stream: the warm-up of the others costs more than it saves.
const MIN_SPLIT: usize = 4096;

pub struct Keywords {
    dfa: DFA,
    start: StateID,
    longest: usize,
}

impl Keywords {
    /// `keywords` must be non-empty strings; they are matched in any ASCII case.
    pub fn new<S: AsRef<[u8]>>(keywords: &[S]) -> Result<Keywords, aho_corasick::BuildError> {
        let dfa = Builder::new()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            // A prefilter only helps `find`, which is not used, and with this many
            // keywords there is none worth having.
            .prefilter(false)
            .build(keywords)?;
        let start = dfa
            .start_state(Anchored::No)
            .expect("an unanchored DFA has an unanchored start state");
        let longest = keywords.iter().map(|k| k.as_ref().len()).max().unwrap_or(1);
        Ok(Keywords {
            dfa,
            start,
            longest,
        })
    }

    /// Calls `hit(keyword index, start offset)` for every occurrence of every keyword in
    /// `hay`, overlapping ones included, in no particular order.
    pub fn for_each(&self, hay: &[u8], mut hit: impl FnMut(usize, usize)) {
        if hay.len() < MIN_SPLIT {
            self.run(hay, 0, hay.len(), self.start, &mut hit);
            return;
        }
        let warm = self.longest - 1;
        let seg = hay.len().div_ceil(STREAMS);
        // Stream k reads [from[k], until[k]) and reports the keywords that start before
        // to[k], where the next segment begins.
        let from: [usize; STREAMS] = std::array::from_fn(|k| (k * seg).min(hay.len()));
        let to: [usize; STREAMS] = std::array::from_fn(|k| ((k + 1) * seg).min(hay.len()));
        let until: [usize; STREAMS] = std::array::from_fn(|k| (to[k] + warm).min(hay.len()));
        let steps = (0..STREAMS).map(|k| until[k] - from[k]).min().unwrap_or(0);
        let mut state = [self.start; STREAMS];
        let [a, b, c, d] = std::array::from_fn(|k| &hay[from[k]..from[k] + steps]);
        for (i, (((&x0, &x1), &x2), &x3)) in a.iter().zip(b).zip(c).zip(d).enumerate() {
            for (k, x) in [x0, x1, x2, x3].into_iter().enumerate() {
                let s = self.dfa.next_state(Anchored::No, state[k], x);
                state[k] = s;
                if self.dfa.is_special(s) {
                    self.report(s, from[k] + i + 1, to[k], &mut hit);
                }
            }
        }
        for k in 0..STREAMS {
            let at = from[k] + steps;
            self.run(&hay[..until[k]], at, to[k], state[k], &mut hit);
        }
    }

    /// One stream over `hay[at..]`, from `state`, reporting keywords that start before
    /// `to`.
    fn run(
        &self,
        hay: &[u8],
        at: usize,
        to: usize,
        mut state: StateID,
        hit: &mut impl FnMut(usize, usize),
    ) {
        for (i, &x) in hay[at..].iter().enumerate() {
            state = self.dfa.next_state(Anchored::No, state, x);
            if self.dfa.is_special(state) {
                self.report(state, at + i + 1, to, hit);
            }
        }
    }

    /// The keywords that end at `end` (exclusive) in match state `s`.
    #[cold]
    #[inline(never)]
    fn report(&self, s: StateID, end: usize, to: usize, hit: &mut impl FnMut(usize, usize)) {
        if !self.dfa.is_match(s) {
            return;
        }
        for i in 0..self.dfa.match_len(s) {
            let p = self.dfa.match_pattern(s, i);
            let start = end - self.dfa.pattern_len(p);
            if start < to {
                hit(p.as_usize(), start);
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
        Keywords::new(keywords)
            .unwrap()
            .for_each(hay, |p, s| got.push((p, s)));
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
        let keywords = ["sk_", "sk_live_", "token", "whsec_", "ok"];
        // Long enough to be split, with keywords placed across every boundary.
        let mut hay = Vec::new();
        let unit = b"..SK_Live_x Token whsec_ okok. ";
        while hay.len() < 3 * MIN_SPLIT + 17 {
            hay.extend_from_slice(unit);
        }
        let (got, want) = both(&keywords, &hay);
        assert!(!want.is_empty());
        assert_eq!(got, want);
        for len in [0, 1, 2, 5, MIN_SPLIT - 1, MIN_SPLIT, MIN_SPLIT + 3] {
            let (got, want) = both(&keywords, &hay[..len.min(hay.len())]);
            assert_eq!(got, want, "length {len}");
        }
    }

    #[test]
    fn a_keyword_longer_than_a_segment_is_found() {
        let long = "begin openssh private key";
        let mut hay = vec![b'x'; MIN_SPLIT];
        let at = MIN_SPLIT / STREAMS - 4;
        hay[at..at + long.len()].copy_from_slice(long.to_uppercase().as_bytes());
        let (got, want) = both(&[long, "key"], &hay);
        assert_eq!(got, want);
        assert!(got.contains(&(0, at)));
    }
}
