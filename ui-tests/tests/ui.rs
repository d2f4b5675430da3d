//! One compile-fail case per diagnostic of the derives, each with the exact error it must print.
//!
//! Only compile-fail cases go through trybuild: then it checks them all in one `cargo check --keep-going`,
//! and builds oxutils for metadata only, in its own target folder. A case that must compile is a test of
//! its own instead (`every_attribute`, see Cargo.toml), built with the workspace's oxutils; as a trybuild
//! pass case it made trybuild build every case one at a time with full code generation.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
}
