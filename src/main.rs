use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(recdiag::run(std::env::args_os()))
}
