//! The `nlw` binary: [`nlw::run`] on the command line's arguments.

#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match nlw::run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(nlw::Failure { message, code }) => {
            // A closed pipe (`nlw … | head`) is not worth a message.
            if !message.is_empty() && !message.contains("Broken pipe") {
                eprintln!("{message}");
            }
            ExitCode::from(code)
        }
    }
}
