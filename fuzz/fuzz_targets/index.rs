//! The git index reader a pre-commit scan uses.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ferret_source::fuzzing::index(data));
