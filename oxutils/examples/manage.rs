//! The manage command for the apps oxutils ships. Regenerates the audit app's migrations with
//! `cargo run -p oxutils --example manage -- makemigrations audit`.

fn main() -> std::process::ExitCode {
    oxutils::cli::main(oxutils::UTILS_APPS)
}
