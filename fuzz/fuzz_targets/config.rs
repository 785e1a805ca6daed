//! Config and rule loading, gitleaks translation included, then the rules compiled and run.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ferret_engine::fuzz_config(data));
