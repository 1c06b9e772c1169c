//! `recdiag serve`: the health report for Prometheus' scrapes, over HTTP.
//!
//! `GET /metrics` answers the series `health --format prometheus` prints,
//! plus how long the run took and how old the answer is; `GET /healthz`
//! says recdiag itself is up. Scrapes that arrive together share one run
//! (one holds the cache's lock and runs; the others wait for its answer),
//! and the checks run at most once per `--min-interval`: a scrape in
//! between gets the last answer. Every run is bounded by the checks' own
//! guards; a source that is down is `recdiag_up{check=…} 0` in a 200
//! answer, never a failed scrape. Connections are bounded in number and in
//! time, so a client that never finishes its request holds nothing for
//! long. SIGTERM or Ctrl-C stops it: no new connection is taken, those
//! open get a moment to finish.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, Semaphore};

use crate::config::{Config, Format};
use crate::model::{CheckId, Report, exit};
use crate::render::{self, Style, View};

/// Connections served at once; more wait in the kernel's backlog.
const CONNECTIONS: usize = 64;
/// A request's headers must arrive within this.
const HEADER_TIME: Duration = Duration::from_secs(5);
/// How long open connections may finish after a stop is asked.
const DRAIN: Duration = Duration::from_secs(5);
/// Time kept back from Prometheus' scrape timeout to send the answer.
const SEND_TIME: Duration = Duration::from_millis(500);
/// The exposition format's content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The last answer: the rendered series, when the run started, how long it took.
struct Answer {
    body: Arc<str>,
    at: Instant,
    took: Duration,
}

impl Answer {
    /// A copy sharing the rendered text.
    fn clone_shallow(&self) -> Answer {
        Answer {
            body: Arc::clone(&self.body),
            at: self.at,
            took: self.took,
        }
    }
}

struct State {
    config: Arc<Config>,
    ids: Vec<CheckId>,
    min_interval: Duration,
    last: Arc<Mutex<Option<Answer>>>,
    /// The last complete answer, readable while a new run holds `last`.
    done: std::sync::Mutex<Option<Arc<Answer>>>,
}

/// Listen on `listen` until SIGTERM or Ctrl-C; the exit code is 0 after a
/// clean stop, 3 when the address cannot be bound.
pub async fn run(
    config: Arc<Config>,
    ids: Vec<CheckId>,
    listen: SocketAddr,
    min_interval: Duration,
) -> u8 {
    // Heard from now on: a SIGTERM right after start is a clean stop too.
    let stop = stop_signal();
    let listener = match TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            return crate::commands::fail(
                &config.redactor,
                &format!("cannot listen on {listen}: {}", crate::text::io_error(&e)),
            );
        }
    };
    let bound = listener.local_addr().unwrap_or(listen);
    crate::commands::write_quietly(
        &mut std::io::stderr().lock(),
        format!("recdiag serve: listening on http://{bound}/metrics (and /healthz)\n").as_bytes(),
    );
    let state = Arc::new(State {
        config,
        ids,
        min_interval,
        last: Arc::new(Mutex::new(None)),
        done: std::sync::Mutex::new(None),
    });
    let slots = Arc::new(Semaphore::new(CONNECTIONS));
    let mut open = tokio::task::JoinSet::new();
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of descriptors, a reset before accept: try again.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let state = Arc::clone(&state);
        // Finished connections' results are let go as new ones come.
        while open.try_join_next().is_some() {}
        open.spawn(async move {
            let _permit = permit;
            let service = service_fn(move |req| answer(req, Arc::clone(&state)));
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIME)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            // An idle connection (keep-alive included) is closed by the
            // header timer; a request waiting on a run is let finish.
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, async { while open.join_next().await.is_some() {} }).await;
    open.abort_all();
    crate::commands::write_quietly(&mut std::io::stderr().lock(), b"recdiag serve: stopped\n");
    exit::OK
}

/// SIGTERM (a container's stop, systemd) or Ctrl-C. The SIGTERM handler is
/// installed when this is called, not when the future is first polled.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        #[cfg(unix)]
        if let Some(mut term) = term {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn answer(
    req: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let reply = |status: StatusCode, body: String| {
        let mut r = Response::new(Full::new(Bytes::from(body)));
        *r.status_mut() = status;
        r.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static(CONTENT_TYPE),
        );
        r
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and HEAD are answered\n".into(),
        );
        r.headers_mut().insert(
            hyper::header::ALLOW,
            hyper::header::HeaderValue::from_static("GET, HEAD"),
        );
        return Ok(r);
    }
    // Prometheus says how long it waits; the answer must leave before.
    let deadline = req
        .headers()
        .get("x-prometheus-scrape-timeout-seconds")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| Duration::from_secs_f64(s.min(3600.0)).saturating_sub(SEND_TIME));
    Ok(match req.uri().path() {
        "/metrics" => match metrics(state, deadline).await {
            Some(body) => reply(StatusCode::OK, body),
            // A bug: the scrape fails, so Prometheus' `up` says so.
            None => reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "recdiag: the run stopped unexpectedly (a bug: please report it)\n".into(),
            ),
        },
        "/healthz" => reply(StatusCode::OK, "ok\n".into()),
        "/" => reply(
            StatusCode::OK,
            "recdiag serve: GET /metrics (Prometheus) or /healthz\n".into(),
        ),
        _ => reply(
            StatusCode::NOT_FOUND,
            "not found: GET /metrics or /healthz\n".into(),
        ),
    })
}

/// The last answer if it is younger than `--min-interval`, else a new run;
/// callers that come while a run is under way wait for it (the lock). The
/// run is a task of its own holding the lock: a scraper that hangs up does
/// not cut it short (a database session ended mid-read, an answer lost).
///
/// With a `deadline` (Prometheus' scrape timeout, less the time to send),
/// a run that has not ended by then is left to end for the next scrape,
/// and this one gets the last complete answer with its age — a slow source
/// makes answers older, never scrapes fail (and with them every series and
/// every alert's `for:`). With no answer yet, the scrape waits for the run.
async fn metrics(state: Arc<State>, deadline: Option<Duration>) -> Option<String> {
    let wait = async {
        let last = Arc::clone(&state.last).lock_owned().await;
        if let Some(a) = last
            .as_ref()
            .filter(|a| a.at.elapsed() < state.min_interval)
        {
            return Some(with_age(a));
        }
        let state = Arc::clone(&state);
        let run = tokio::spawn(async move {
            let mut last = last;
            let answer = run_once(&state).await;
            let text = with_age(&answer);
            if let Ok(mut done) = state.done.lock() {
                *done = Some(Arc::new(answer.clone_shallow()));
            }
            *last = Some(answer);
            text
        });
        run.await.ok()
    };
    let Some(deadline) = deadline else {
        return wait.await;
    };
    match tokio::time::timeout(deadline, wait).await {
        Ok(answer) => answer,
        Err(_) => {
            let done = state.done.lock().ok().and_then(|d| d.clone());
            match done {
                Some(a) => Some(with_age(&a)),
                // No answer yet: the first is waited for, however long.
                None => Box::pin(metrics(state, None)).await,
            }
        }
    }
}

async fn run_once(state: &State) -> Answer {
    let at = Instant::now();
    let mut config = (*state.config).clone();
    if !config.now_pinned {
        config.now = jiff::Timestamp::now();
    }
    let config = Arc::new(config);
    let checks = crate::checks::run(&state.ids, &config).await;
    let report = Report::new(config.now, checks);
    let mut buf = Vec::new();
    let rendered = render::render(
        &report,
        View::Health,
        Format::Prometheus,
        Style::plain(),
        &config.thresholds,
        &mut buf,
    );
    let took = at.elapsed();
    let mut body = match rendered {
        Ok(()) => String::from_utf8_lossy(&buf).into_owned(),
        // Nothing is half-said: recdiag_up is absent, so the alert on
        // recdiag's own series fires.
        Err(_) => String::new(),
    };
    let _ = write!(
        body,
        "# HELP recdiag_scrape_duration_seconds How long the run behind this answer took.\n\
         # TYPE recdiag_scrape_duration_seconds gauge\n\
         recdiag_scrape_duration_seconds {}\n",
        crate::text::decimal(took.as_secs_f64())
    );
    Answer {
        body: Arc::from(config.redactor.scrub(&body)),
        at,
        took,
    }
}

/// The answer with its age: 0 right after its run, up to `--min-interval`.
fn with_age(a: &Answer) -> String {
    let age = a.at.elapsed().saturating_sub(a.took);
    format!(
        "{}# HELP recdiag_result_age_seconds Age of this answer: scrapes within --min-interval of a run share it.\n\
         # TYPE recdiag_result_age_seconds gauge\n\
         recdiag_result_age_seconds {}\n",
        a.body,
        crate::text::decimal(age.as_secs_f64())
    )
}
