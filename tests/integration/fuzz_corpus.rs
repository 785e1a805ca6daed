//! The fuzz corpora (fuzz/corpus/TARGET), replayed as ordinary tests: every input the
//! fuzzers kept (and every crash they found, once fixed) runs through the same entry point
//! on every test run, deterministically. docs/security.md records the fuzzing runs.
use crate::util::repo_root;

fn replay(target: &str, run: impl Fn(&[u8])) {
    let dir = repo_root().join("fuzz/corpus").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        run(&data);
        n += 1;
    }
    assert!(n > 0, "the {target} corpus is empty");
}

#[test]
fn config_corpus() {
    replay("config", ferret_engine::fuzz_config);
}

#[test]
fn content_corpus() {
    replay("content", ferret_source::fuzzing::content);
}

#[test]
fn index_corpus() {
    replay("index", ferret_source::fuzzing::index);
}

#[test]
fn added_lines_corpus() {
    replay("added_lines", ferret_source::fuzzing::added_lines);
}

#[test]
fn ignore_list_corpus() {
    replay("ignore_list", ferret_report::suppress::fuzz_lists);
}
