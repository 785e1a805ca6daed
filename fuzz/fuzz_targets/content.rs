//! The content sniffer (UTF-16 with or without a mark, binary) and the span decoders.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ferret_source::fuzzing::content(data));
