//! This host's manage command: `cargo run -p tests --bin manage -- <command>`, or `cargo oxutils <command>`.

fn main() -> std::process::ExitCode {
    oxutils::cli::main(&tests::installed_apps())
}
