use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: recdiag::Allocator = recdiag::Allocator;

fn main() -> ExitCode {
    ExitCode::from(recdiag::run(std::env::args_os()))
}
