//! Commands that hints name, worded once: the troubleshooting guide's own
//! (docker-compose with the production file). Macros, so that hints built
//! with `concat!` stay `&'static str`.

/// Restart the worker service.
#[macro_export]
macro_rules! restart_worker {
    () => {
        "docker-compose -f docker-compose.prod.yml restart worker"
    };
}

/// The worker's recent log.
#[macro_export]
macro_rules! worker_log {
    () => {
        "docker-compose -f docker-compose.prod.yml logs worker --tail=100"
    };
}

/// The worker's whole log, to grep.
#[macro_export]
macro_rules! worker_log_all {
    () => {
        "docker-compose -f docker-compose.prod.yml logs worker"
    };
}
