//! `.ferretignore`, `.gitleaksignore` and baselines (lists and earlier reports).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ferret_report::suppress::fuzz_lists(data));
