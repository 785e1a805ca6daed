//! The line diff that keeps the lines a staged change or a commit adds.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ferret_source::fuzzing::added_lines(data));
