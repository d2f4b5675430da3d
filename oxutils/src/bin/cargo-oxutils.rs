//! `cargo oxutils <command>`: runs the current package's manage binary. See `oxutils::cargo_oxutils`.

fn main() -> std::process::ExitCode {
    oxutils::cargo_oxutils::main()
}
