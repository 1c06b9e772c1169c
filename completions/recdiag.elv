
use builtin;
use str;

set edit:completion:arg-completer[recdiag] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'recdiag'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'recdiag'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand health 'Run every check concurrently, print a summary, exit with the worst status'
            cand redis 'Redis: PING round trip, version, role, memory vs maxmemory, eviction policy'
            cand queues 'RQ queues: waiting, started, failed, deferred, scheduled, finished, oldest job, workers'
            cand workers 'RQ workers: host, pid, state, queues, current job, heartbeat age, live/stale/ghost; rq suspend; the scheduler'
            cand failed 'Newest failed jobs, grouped by cause, with their exception text'
            cand call 'Everything about one or more calls, with a verdict: READY, QUEUED, FAILED, ...'
            cand runs 'recording_runs in the window: statuses, failure causes, completion rate, download times, stuck runs'
            cand dir 'The recordings directory: exists, readable, writable, .mp3 files, sizes, retention, free space'
            cand logs 'The worker''s log, read for the operator: downloads started, saved and failed by cause; one call''s lines'
            cand explain 'What a finding code means and what to do about it; alone, every code'
            cand serve 'Answer Prometheus scrapes: GET /metrics runs health (at most once per --min-interval), GET /healthz'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'recdiag;health'= {
            cand --only 'Run only these checks (repeatable or comma-separated)'
            cand --skip 'Skip these checks (repeatable or comma-separated)'
            cand --watch 'Run again every INTERVAL (e.g. 10s), redrawing in place on a terminal; Ctrl-C exits with the last status''s code'
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --rq-key-prefix 'The prefix of RQ''s keys, as the workers'' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]'
            cand --database-url 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]'
            cand --recordings-dir 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]'
            cand --window 'Statistics window, e.g. 1h or 30m [default: 1h]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --format 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]'
            cand --output 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --accept 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]'
            cand --max-redis-memory-percent 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]'
            cand --max-backlog 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]'
            cand --crit-backlog 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]'
            cand --max-queue-age 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]'
            cand --max-failed 'FAILED_JOBS warning at this many failed jobs [default: 1]'
            cand --crit-failed 'FAILED_JOBS critical at this many failed jobs [default: 10]'
            cand --stale-busy-heartbeat 'A busy worker is stale when its heartbeat is older [default: 60s]'
            cand --stale-idle-heartbeat 'An idle worker is stale when its heartbeat is older [default: 8m]'
            cand --min-completion-rate 'LOW_COMPLETION_RATE warning below this percentage [default: 95]'
            cand --crit-completion-rate 'LOW_COMPLETION_RATE critical below this percentage [default: 80]'
            cand --max-avg-download 'SLOW_DOWNLOADS when the average download takes longer [default: 60s]'
            cand --max-queued-run-age 'RUNS_STUCK when a run has been queued longer, as the app''s own stuck rule [default: 5m]'
            cand --max-running-run-age 'RUNS_STUCK when a run has been running longer, as the app''s own stuck rule [default: 5m]'
            cand --min-free-percent 'DISK_SPACE_LOW warning below this free percentage [default: 10]'
            cand --crit-free-percent 'DISK_SPACE_LOW critical below this free percentage [default: 2]'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -q 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --quiet 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --no-headers 'Tables without their column headers: rows only, for scripts (table format only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;redis'= {
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --format 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]'
            cand --output 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --accept 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]'
            cand --max-redis-memory-percent 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -q 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --quiet 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --no-headers 'Tables without their column headers: rows only, for scripts (table format only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;queues'= {
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --rq-key-prefix 'The prefix of RQ''s keys, as the workers'' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --format 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]'
            cand --output 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --accept 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]'
            cand --max-backlog 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]'
            cand --crit-backlog 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]'
            cand --max-queue-age 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]'
            cand --max-failed 'FAILED_JOBS warning at this many failed jobs [default: 1]'
            cand --crit-failed 'FAILED_JOBS critical at this many failed jobs [default: 10]'
            cand --stale-busy-heartbeat 'A busy worker is stale when its heartbeat is older [default: 60s]'
            cand --stale-idle-heartbeat 'An idle worker is stale when its heartbeat is older [default: 8m]'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -q 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --quiet 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --no-headers 'Tables without their column headers: rows only, for scripts (table format only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;workers'= {
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --rq-key-prefix 'The prefix of RQ''s keys, as the workers'' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --format 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]'
            cand --output 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --accept 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]'
            cand --stale-busy-heartbeat 'A busy worker is stale when its heartbeat is older [default: 60s]'
            cand --stale-idle-heartbeat 'An idle worker is stale when its heartbeat is older [default: 8m]'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -q 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --quiet 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --no-headers 'Tables without their column headers: rows only, for scripts (table format only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;failed'= {
            cand --limit 'How many of the newest failed jobs to read (across the queues of interest)'
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --rq-key-prefix 'The prefix of RQ''s keys, as the workers'' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]'
            cand --database-url 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --output 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --accept 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]'
            cand --max-failed 'FAILED_JOBS warning at this many failed jobs [default: 1]'
            cand --crit-failed 'FAILED_JOBS critical at this many failed jobs [default: 10]'
            cand --format 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]'
            cand -v 'Show each job''s whole exception text, not only its last line'
            cand --verbose 'Show each job''s whole exception text, not only its last line'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -q 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --quiet 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --no-headers 'Tables without their column headers: rows only, for scripts (table format only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;call'= {
            cand --log 'The worker''s log (a file, plain or gzip, or - for standard input): its lines add their evidence to the verdict'
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --rq-key-prefix 'The prefix of RQ''s keys, as the workers'' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]'
            cand --database-url 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]'
            cand --recordings-dir 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --output 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --stale-busy-heartbeat 'A busy worker is stale when its heartbeat is older [default: 60s]'
            cand --stale-idle-heartbeat 'An idle worker is stale when its heartbeat is older [default: 8m]'
            cand --min-completion-rate 'LOW_COMPLETION_RATE warning below this percentage [default: 95]'
            cand --crit-completion-rate 'LOW_COMPLETION_RATE critical below this percentage [default: 80]'
            cand --max-avg-download 'SLOW_DOWNLOADS when the average download takes longer [default: 60s]'
            cand --max-queued-run-age 'RUNS_STUCK when a run has been queued longer, as the app''s own stuck rule [default: 5m]'
            cand --max-running-run-age 'RUNS_STUCK when a run has been running longer, as the app''s own stuck rule [default: 5m]'
            cand --format 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]'
            cand --accept 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -q 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --quiet 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --no-headers 'Tables without their column headers: rows only, for scripts (table format only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;runs'= {
            cand --database-url 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]'
            cand --recordings-dir 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]'
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --rq-key-prefix 'The prefix of RQ''s keys, as the workers'' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]'
            cand --window 'Statistics window, e.g. 1h or 30m [default: 1h]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --format 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]'
            cand --output 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --accept 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]'
            cand --min-completion-rate 'LOW_COMPLETION_RATE warning below this percentage [default: 95]'
            cand --crit-completion-rate 'LOW_COMPLETION_RATE critical below this percentage [default: 80]'
            cand --max-avg-download 'SLOW_DOWNLOADS when the average download takes longer [default: 60s]'
            cand --max-queued-run-age 'RUNS_STUCK when a run has been queued longer, as the app''s own stuck rule [default: 5m]'
            cand --max-running-run-age 'RUNS_STUCK when a run has been running longer, as the app''s own stuck rule [default: 5m]'
            cand --stale-busy-heartbeat 'A busy worker is stale when its heartbeat is older [default: 60s]'
            cand --stale-idle-heartbeat 'An idle worker is stale when its heartbeat is older [default: 8m]'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -q 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --quiet 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --no-headers 'Tables without their column headers: rows only, for scripts (table format only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;dir'= {
            cand --recordings-dir 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --format 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]'
            cand --output 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --accept 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]'
            cand --min-free-percent 'DISK_SPACE_LOW warning below this free percentage [default: 10]'
            cand --crit-free-percent 'DISK_SPACE_LOW critical below this free percentage [default: 2]'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -q 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --quiet 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --no-headers 'Tables without their column headers: rows only, for scripts (table format only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;logs'= {
            cand --sid 'Print this call''s lines in order (repeatable)'
            cand --since 'Only lines from then on: a duration back from now (1h, 30m) or a time (RFC 3339, or YYYY-MM-DD HH:MM:SS in UTC)'
            cand --until 'Only lines up to then (same forms as --since)'
            cand --env-file 'Read settings (RECDIAG_FORMAT) from this dotenv file [default: none: the log is the only source]'
            cand --output 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --format 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]'
            cand --no-env-file 'Do not read any dotenv file (what logs does unless --env-file is given)'
            cand --json 'Same as --format json'
            cand -q 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --quiet 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
            cand --no-headers 'Tables without their column headers: rows only, for scripts (table format only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;explain'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'recdiag;serve'= {
            cand --listen 'Address to listen on, HOST:PORT (loopback unless told otherwise)'
            cand --min-interval 'Run the checks at most once per INTERVAL: scrapes in between get the last answer, whose age recdiag_result_age_seconds says'
            cand --only 'Run only these checks (repeatable or comma-separated)'
            cand --skip 'Skip these checks (repeatable or comma-separated)'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --accept 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status [env: RECDIAG_ACCEPT]'
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --rq-key-prefix 'The prefix of RQ''s keys, as the workers'' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]'
            cand --database-url 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]'
            cand --recordings-dir 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]'
            cand --window 'Statistics window, e.g. 1h or 30m [default: 1h]'
            cand --max-redis-memory-percent 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]'
            cand --max-backlog 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]'
            cand --crit-backlog 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]'
            cand --max-queue-age 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]'
            cand --max-failed 'FAILED_JOBS warning at this many failed jobs [default: 1]'
            cand --crit-failed 'FAILED_JOBS critical at this many failed jobs [default: 10]'
            cand --stale-busy-heartbeat 'A busy worker is stale when its heartbeat is older [default: 60s]'
            cand --stale-idle-heartbeat 'An idle worker is stale when its heartbeat is older [default: 8m]'
            cand --min-completion-rate 'LOW_COMPLETION_RATE warning below this percentage [default: 95]'
            cand --crit-completion-rate 'LOW_COMPLETION_RATE critical below this percentage [default: 80]'
            cand --max-avg-download 'SLOW_DOWNLOADS when the average download takes longer [default: 60s]'
            cand --max-queued-run-age 'RUNS_STUCK when a run has been queued longer, as the app''s own stuck rule [default: 5m]'
            cand --max-running-run-age 'RUNS_STUCK when a run has been running longer, as the app''s own stuck rule [default: 5m]'
            cand --min-free-percent 'DISK_SPACE_LOW warning below this free percentage [default: 10]'
            cand --crit-free-percent 'DISK_SPACE_LOW critical below this free percentage [default: 2]'
            cand --no-env-file 'Do not read any dotenv file'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'recdiag;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'recdiag;help'= {
            cand health 'Run every check concurrently, print a summary, exit with the worst status'
            cand redis 'Redis: PING round trip, version, role, memory vs maxmemory, eviction policy'
            cand queues 'RQ queues: waiting, started, failed, deferred, scheduled, finished, oldest job, workers'
            cand workers 'RQ workers: host, pid, state, queues, current job, heartbeat age, live/stale/ghost; rq suspend; the scheduler'
            cand failed 'Newest failed jobs, grouped by cause, with their exception text'
            cand call 'Everything about one or more calls, with a verdict: READY, QUEUED, FAILED, ...'
            cand runs 'recording_runs in the window: statuses, failure causes, completion rate, download times, stuck runs'
            cand dir 'The recordings directory: exists, readable, writable, .mp3 files, sizes, retention, free space'
            cand logs 'The worker''s log, read for the operator: downloads started, saved and failed by cause; one call''s lines'
            cand explain 'What a finding code means and what to do about it; alone, every code'
            cand serve 'Answer Prometheus scrapes: GET /metrics runs health (at most once per --min-interval), GET /healthz'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'recdiag;help;health'= {
        }
        &'recdiag;help;redis'= {
        }
        &'recdiag;help;queues'= {
        }
        &'recdiag;help;workers'= {
        }
        &'recdiag;help;failed'= {
        }
        &'recdiag;help;call'= {
        }
        &'recdiag;help;runs'= {
        }
        &'recdiag;help;dir'= {
        }
        &'recdiag;help;logs'= {
        }
        &'recdiag;help;explain'= {
        }
        &'recdiag;help;serve'= {
        }
        &'recdiag;help;completions'= {
        }
        &'recdiag;help;help'= {
        }
    ]
    $completions[$command]
}
