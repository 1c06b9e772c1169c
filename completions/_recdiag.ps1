
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'recdiag' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'recdiag'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'recdiag' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Run every check concurrently, print a summary, exit with the worst status')
            [CompletionResult]::new('redis', 'redis', [CompletionResultType]::ParameterValue, 'Redis: PING round trip, version, role, memory vs maxmemory, eviction policy')
            [CompletionResult]::new('queues', 'queues', [CompletionResultType]::ParameterValue, 'RQ queues: waiting, started, failed, deferred, scheduled, finished, oldest job, workers')
            [CompletionResult]::new('workers', 'workers', [CompletionResultType]::ParameterValue, 'RQ workers: host, pid, state, queues, current job, heartbeat age, live/stale/ghost; rq suspend; the scheduler')
            [CompletionResult]::new('failed', 'failed', [CompletionResultType]::ParameterValue, 'Newest failed jobs, grouped by cause, with their exception text')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Everything about one or more calls, with a verdict: READY, QUEUED, FAILED, ...')
            [CompletionResult]::new('runs', 'runs', [CompletionResultType]::ParameterValue, 'recording_runs in the window: statuses, failure causes, completion rate, download times, stuck runs')
            [CompletionResult]::new('dir', 'dir', [CompletionResultType]::ParameterValue, 'The recordings directory: exists, readable, writable, .mp3 files, sizes, retention, free space')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'The worker''s log, read for the operator: downloads started, saved and failed by cause; one call''s lines')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'What a finding code means and what to do about it; alone, every code')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Answer Prometheus scrapes: GET /metrics runs health (at most once per --min-interval), GET /healthz')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'recdiag;health' {
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks (repeatable or comma-separated)')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip these checks (repeatable or comma-separated)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Run again every INTERVAL (e.g. 10s), redrawing in place on a terminal; Ctrl-C exits with the last status''s code')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]')
            [CompletionResult]::new('--rq-key-prefix', '--rq-key-prefix', [CompletionResultType]::ParameterName, 'The prefix of RQ''s keys, as the workers'' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]')
            [CompletionResult]::new('--recordings-dir', '--recordings-dir', [CompletionResultType]::ParameterName, 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Statistics window, e.g. 1h or 30m [default: 1h]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings from this dotenv file [default: ./.env if present]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit of each check, e.g. 2s or 500ms [default: 5s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables (NO_COLOR is honoured under auto)')
            [CompletionResult]::new('--accept', '--accept', [CompletionResultType]::ParameterName, 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]')
            [CompletionResult]::new('--max-redis-memory-percent', '--max-redis-memory-percent', [CompletionResultType]::ParameterName, 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]')
            [CompletionResult]::new('--max-backlog', '--max-backlog', [CompletionResultType]::ParameterName, 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]')
            [CompletionResult]::new('--crit-backlog', '--crit-backlog', [CompletionResultType]::ParameterName, 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]')
            [CompletionResult]::new('--max-queue-age', '--max-queue-age', [CompletionResultType]::ParameterName, 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]')
            [CompletionResult]::new('--max-failed', '--max-failed', [CompletionResultType]::ParameterName, 'FAILED_JOBS warning at this many failed jobs [default: 1]')
            [CompletionResult]::new('--crit-failed', '--crit-failed', [CompletionResultType]::ParameterName, 'FAILED_JOBS critical at this many failed jobs [default: 10]')
            [CompletionResult]::new('--stale-busy-heartbeat', '--stale-busy-heartbeat', [CompletionResultType]::ParameterName, 'A busy worker is stale when its heartbeat is older [default: 60s]')
            [CompletionResult]::new('--stale-idle-heartbeat', '--stale-idle-heartbeat', [CompletionResultType]::ParameterName, 'An idle worker is stale when its heartbeat is older [default: 8m]')
            [CompletionResult]::new('--min-completion-rate', '--min-completion-rate', [CompletionResultType]::ParameterName, 'LOW_COMPLETION_RATE warning below this percentage [default: 95]')
            [CompletionResult]::new('--crit-completion-rate', '--crit-completion-rate', [CompletionResultType]::ParameterName, 'LOW_COMPLETION_RATE critical below this percentage [default: 80]')
            [CompletionResult]::new('--max-avg-download', '--max-avg-download', [CompletionResultType]::ParameterName, 'SLOW_DOWNLOADS when the average download takes longer [default: 60s]')
            [CompletionResult]::new('--max-queued-run-age', '--max-queued-run-age', [CompletionResultType]::ParameterName, 'RUNS_STUCK when a run has been queued longer, as the app''s own stuck rule [default: 5m]')
            [CompletionResult]::new('--max-running-run-age', '--max-running-run-age', [CompletionResultType]::ParameterName, 'RUNS_STUCK when a run has been running longer, as the app''s own stuck rule [default: 5m]')
            [CompletionResult]::new('--min-free-percent', '--min-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW warning below this free percentage [default: 10]')
            [CompletionResult]::new('--crit-free-percent', '--crit-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW critical below this free percentage [default: 2]')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Tables without their column headers: rows only, for scripts (table format only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'recdiag;redis' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings from this dotenv file [default: ./.env if present]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit of each check, e.g. 2s or 500ms [default: 5s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables (NO_COLOR is honoured under auto)')
            [CompletionResult]::new('--accept', '--accept', [CompletionResultType]::ParameterName, 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]')
            [CompletionResult]::new('--max-redis-memory-percent', '--max-redis-memory-percent', [CompletionResultType]::ParameterName, 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Tables without their column headers: rows only, for scripts (table format only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'recdiag;queues' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]')
            [CompletionResult]::new('--rq-key-prefix', '--rq-key-prefix', [CompletionResultType]::ParameterName, 'The prefix of RQ''s keys, as the workers'' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings from this dotenv file [default: ./.env if present]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit of each check, e.g. 2s or 500ms [default: 5s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables (NO_COLOR is honoured under auto)')
            [CompletionResult]::new('--accept', '--accept', [CompletionResultType]::ParameterName, 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]')
            [CompletionResult]::new('--max-backlog', '--max-backlog', [CompletionResultType]::ParameterName, 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]')
            [CompletionResult]::new('--crit-backlog', '--crit-backlog', [CompletionResultType]::ParameterName, 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]')
            [CompletionResult]::new('--max-queue-age', '--max-queue-age', [CompletionResultType]::ParameterName, 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]')
            [CompletionResult]::new('--max-failed', '--max-failed', [CompletionResultType]::ParameterName, 'FAILED_JOBS warning at this many failed jobs [default: 1]')
            [CompletionResult]::new('--crit-failed', '--crit-failed', [CompletionResultType]::ParameterName, 'FAILED_JOBS critical at this many failed jobs [default: 10]')
            [CompletionResult]::new('--stale-busy-heartbeat', '--stale-busy-heartbeat', [CompletionResultType]::ParameterName, 'A busy worker is stale when its heartbeat is older [default: 60s]')
            [CompletionResult]::new('--stale-idle-heartbeat', '--stale-idle-heartbeat', [CompletionResultType]::ParameterName, 'An idle worker is stale when its heartbeat is older [default: 8m]')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Tables without their column headers: rows only, for scripts (table format only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'recdiag;workers' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]')
            [CompletionResult]::new('--rq-key-prefix', '--rq-key-prefix', [CompletionResultType]::ParameterName, 'The prefix of RQ''s keys, as the workers'' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings from this dotenv file [default: ./.env if present]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit of each check, e.g. 2s or 500ms [default: 5s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables (NO_COLOR is honoured under auto)')
            [CompletionResult]::new('--accept', '--accept', [CompletionResultType]::ParameterName, 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]')
            [CompletionResult]::new('--stale-busy-heartbeat', '--stale-busy-heartbeat', [CompletionResultType]::ParameterName, 'A busy worker is stale when its heartbeat is older [default: 60s]')
            [CompletionResult]::new('--stale-idle-heartbeat', '--stale-idle-heartbeat', [CompletionResultType]::ParameterName, 'An idle worker is stale when its heartbeat is older [default: 8m]')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Tables without their column headers: rows only, for scripts (table format only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'recdiag;failed' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many of the newest failed jobs to read (across the queues of interest)')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]')
            [CompletionResult]::new('--rq-key-prefix', '--rq-key-prefix', [CompletionResultType]::ParameterName, 'The prefix of RQ''s keys, as the workers'' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings from this dotenv file [default: ./.env if present]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit of each check, e.g. 2s or 500ms [default: 5s]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables (NO_COLOR is honoured under auto)')
            [CompletionResult]::new('--accept', '--accept', [CompletionResultType]::ParameterName, 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]')
            [CompletionResult]::new('--max-failed', '--max-failed', [CompletionResultType]::ParameterName, 'FAILED_JOBS warning at this many failed jobs [default: 1]')
            [CompletionResult]::new('--crit-failed', '--crit-failed', [CompletionResultType]::ParameterName, 'FAILED_JOBS critical at this many failed jobs [default: 10]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each job''s whole exception text, not only its last line')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each job''s whole exception text, not only its last line')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Tables without their column headers: rows only, for scripts (table format only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'recdiag;call' {
            [CompletionResult]::new('--log', '--log', [CompletionResultType]::ParameterName, 'The worker''s log (a file, plain or gzip, or - for standard input): its lines add their evidence to the verdict')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]')
            [CompletionResult]::new('--rq-key-prefix', '--rq-key-prefix', [CompletionResultType]::ParameterName, 'The prefix of RQ''s keys, as the workers'' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]')
            [CompletionResult]::new('--recordings-dir', '--recordings-dir', [CompletionResultType]::ParameterName, 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings from this dotenv file [default: ./.env if present]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit of each check, e.g. 2s or 500ms [default: 5s]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables (NO_COLOR is honoured under auto)')
            [CompletionResult]::new('--stale-busy-heartbeat', '--stale-busy-heartbeat', [CompletionResultType]::ParameterName, 'A busy worker is stale when its heartbeat is older [default: 60s]')
            [CompletionResult]::new('--stale-idle-heartbeat', '--stale-idle-heartbeat', [CompletionResultType]::ParameterName, 'An idle worker is stale when its heartbeat is older [default: 8m]')
            [CompletionResult]::new('--min-completion-rate', '--min-completion-rate', [CompletionResultType]::ParameterName, 'LOW_COMPLETION_RATE warning below this percentage [default: 95]')
            [CompletionResult]::new('--crit-completion-rate', '--crit-completion-rate', [CompletionResultType]::ParameterName, 'LOW_COMPLETION_RATE critical below this percentage [default: 80]')
            [CompletionResult]::new('--max-avg-download', '--max-avg-download', [CompletionResultType]::ParameterName, 'SLOW_DOWNLOADS when the average download takes longer [default: 60s]')
            [CompletionResult]::new('--max-queued-run-age', '--max-queued-run-age', [CompletionResultType]::ParameterName, 'RUNS_STUCK when a run has been queued longer, as the app''s own stuck rule [default: 5m]')
            [CompletionResult]::new('--max-running-run-age', '--max-running-run-age', [CompletionResultType]::ParameterName, 'RUNS_STUCK when a run has been running longer, as the app''s own stuck rule [default: 5m]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]')
            [CompletionResult]::new('--accept', '--accept', [CompletionResultType]::ParameterName, 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Tables without their column headers: rows only, for scripts (table format only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'recdiag;runs' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]')
            [CompletionResult]::new('--recordings-dir', '--recordings-dir', [CompletionResultType]::ParameterName, 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]')
            [CompletionResult]::new('--rq-key-prefix', '--rq-key-prefix', [CompletionResultType]::ParameterName, 'The prefix of RQ''s keys, as the workers'' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Statistics window, e.g. 1h or 30m [default: 1h]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings from this dotenv file [default: ./.env if present]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit of each check, e.g. 2s or 500ms [default: 5s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables (NO_COLOR is honoured under auto)')
            [CompletionResult]::new('--accept', '--accept', [CompletionResultType]::ParameterName, 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]')
            [CompletionResult]::new('--min-completion-rate', '--min-completion-rate', [CompletionResultType]::ParameterName, 'LOW_COMPLETION_RATE warning below this percentage [default: 95]')
            [CompletionResult]::new('--crit-completion-rate', '--crit-completion-rate', [CompletionResultType]::ParameterName, 'LOW_COMPLETION_RATE critical below this percentage [default: 80]')
            [CompletionResult]::new('--max-avg-download', '--max-avg-download', [CompletionResultType]::ParameterName, 'SLOW_DOWNLOADS when the average download takes longer [default: 60s]')
            [CompletionResult]::new('--max-queued-run-age', '--max-queued-run-age', [CompletionResultType]::ParameterName, 'RUNS_STUCK when a run has been queued longer, as the app''s own stuck rule [default: 5m]')
            [CompletionResult]::new('--max-running-run-age', '--max-running-run-age', [CompletionResultType]::ParameterName, 'RUNS_STUCK when a run has been running longer, as the app''s own stuck rule [default: 5m]')
            [CompletionResult]::new('--stale-busy-heartbeat', '--stale-busy-heartbeat', [CompletionResultType]::ParameterName, 'A busy worker is stale when its heartbeat is older [default: 60s]')
            [CompletionResult]::new('--stale-idle-heartbeat', '--stale-idle-heartbeat', [CompletionResultType]::ParameterName, 'An idle worker is stale when its heartbeat is older [default: 8m]')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Tables without their column headers: rows only, for scripts (table format only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'recdiag;dir' {
            [CompletionResult]::new('--recordings-dir', '--recordings-dir', [CompletionResultType]::ParameterName, 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings from this dotenv file [default: ./.env if present]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit of each check, e.g. 2s or 500ms [default: 5s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables (NO_COLOR is honoured under auto)')
            [CompletionResult]::new('--accept', '--accept', [CompletionResultType]::ParameterName, 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]')
            [CompletionResult]::new('--min-free-percent', '--min-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW warning below this free percentage [default: 10]')
            [CompletionResult]::new('--crit-free-percent', '--crit-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW critical below this free percentage [default: 2]')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Tables without their column headers: rows only, for scripts (table format only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'recdiag;logs' {
            [CompletionResult]::new('--sid', '--sid', [CompletionResultType]::ParameterName, 'Print this call''s lines in order (repeatable)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only lines from then on: a duration back from now (1h, 30m) or a time (RFC 3339, or YYYY-MM-DD HH:MM:SS in UTC)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only lines up to then (same forms as --since)')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings (RECDIAG_FORMAT) from this dotenv file [default: none: the log is the only source]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables (NO_COLOR is honoured under auto)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file (what logs does unless --env-file is given)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Tables without their column headers: rows only, for scripts (table format only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'recdiag;explain' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'recdiag;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on, HOST:PORT (loopback unless told otherwise)')
            [CompletionResult]::new('--min-interval', '--min-interval', [CompletionResultType]::ParameterName, 'Run the checks at most once per INTERVAL: scrapes in between get the last answer, whose age recdiag_result_age_seconds says')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks (repeatable or comma-separated)')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip these checks (repeatable or comma-separated)')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings from this dotenv file [default: ./.env if present]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit of each check, e.g. 2s or 500ms [default: 5s]')
            [CompletionResult]::new('--accept', '--accept', [CompletionResultType]::ParameterName, 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status [env: RECDIAG_ACCEPT]')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]')
            [CompletionResult]::new('--rq-key-prefix', '--rq-key-prefix', [CompletionResultType]::ParameterName, 'The prefix of RQ''s keys, as the workers'' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]')
            [CompletionResult]::new('--recordings-dir', '--recordings-dir', [CompletionResultType]::ParameterName, 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Statistics window, e.g. 1h or 30m [default: 1h]')
            [CompletionResult]::new('--max-redis-memory-percent', '--max-redis-memory-percent', [CompletionResultType]::ParameterName, 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]')
            [CompletionResult]::new('--max-backlog', '--max-backlog', [CompletionResultType]::ParameterName, 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]')
            [CompletionResult]::new('--crit-backlog', '--crit-backlog', [CompletionResultType]::ParameterName, 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]')
            [CompletionResult]::new('--max-queue-age', '--max-queue-age', [CompletionResultType]::ParameterName, 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]')
            [CompletionResult]::new('--max-failed', '--max-failed', [CompletionResultType]::ParameterName, 'FAILED_JOBS warning at this many failed jobs [default: 1]')
            [CompletionResult]::new('--crit-failed', '--crit-failed', [CompletionResultType]::ParameterName, 'FAILED_JOBS critical at this many failed jobs [default: 10]')
            [CompletionResult]::new('--stale-busy-heartbeat', '--stale-busy-heartbeat', [CompletionResultType]::ParameterName, 'A busy worker is stale when its heartbeat is older [default: 60s]')
            [CompletionResult]::new('--stale-idle-heartbeat', '--stale-idle-heartbeat', [CompletionResultType]::ParameterName, 'An idle worker is stale when its heartbeat is older [default: 8m]')
            [CompletionResult]::new('--min-completion-rate', '--min-completion-rate', [CompletionResultType]::ParameterName, 'LOW_COMPLETION_RATE warning below this percentage [default: 95]')
            [CompletionResult]::new('--crit-completion-rate', '--crit-completion-rate', [CompletionResultType]::ParameterName, 'LOW_COMPLETION_RATE critical below this percentage [default: 80]')
            [CompletionResult]::new('--max-avg-download', '--max-avg-download', [CompletionResultType]::ParameterName, 'SLOW_DOWNLOADS when the average download takes longer [default: 60s]')
            [CompletionResult]::new('--max-queued-run-age', '--max-queued-run-age', [CompletionResultType]::ParameterName, 'RUNS_STUCK when a run has been queued longer, as the app''s own stuck rule [default: 5m]')
            [CompletionResult]::new('--max-running-run-age', '--max-running-run-age', [CompletionResultType]::ParameterName, 'RUNS_STUCK when a run has been running longer, as the app''s own stuck rule [default: 5m]')
            [CompletionResult]::new('--min-free-percent', '--min-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW warning below this free percentage [default: 10]')
            [CompletionResult]::new('--crit-free-percent', '--crit-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW critical below this free percentage [default: 2]')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'recdiag;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'recdiag;help' {
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Run every check concurrently, print a summary, exit with the worst status')
            [CompletionResult]::new('redis', 'redis', [CompletionResultType]::ParameterValue, 'Redis: PING round trip, version, role, memory vs maxmemory, eviction policy')
            [CompletionResult]::new('queues', 'queues', [CompletionResultType]::ParameterValue, 'RQ queues: waiting, started, failed, deferred, scheduled, finished, oldest job, workers')
            [CompletionResult]::new('workers', 'workers', [CompletionResultType]::ParameterValue, 'RQ workers: host, pid, state, queues, current job, heartbeat age, live/stale/ghost; rq suspend; the scheduler')
            [CompletionResult]::new('failed', 'failed', [CompletionResultType]::ParameterValue, 'Newest failed jobs, grouped by cause, with their exception text')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Everything about one or more calls, with a verdict: READY, QUEUED, FAILED, ...')
            [CompletionResult]::new('runs', 'runs', [CompletionResultType]::ParameterValue, 'recording_runs in the window: statuses, failure causes, completion rate, download times, stuck runs')
            [CompletionResult]::new('dir', 'dir', [CompletionResultType]::ParameterValue, 'The recordings directory: exists, readable, writable, .mp3 files, sizes, retention, free space')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'The worker''s log, read for the operator: downloads started, saved and failed by cause; one call''s lines')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'What a finding code means and what to do about it; alone, every code')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Answer Prometheus scrapes: GET /metrics runs health (at most once per --min-interval), GET /healthz')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'recdiag;help;health' {
            break
        }
        'recdiag;help;redis' {
            break
        }
        'recdiag;help;queues' {
            break
        }
        'recdiag;help;workers' {
            break
        }
        'recdiag;help;failed' {
            break
        }
        'recdiag;help;call' {
            break
        }
        'recdiag;help;runs' {
            break
        }
        'recdiag;help;dir' {
            break
        }
        'recdiag;help;logs' {
            break
        }
        'recdiag;help;explain' {
            break
        }
        'recdiag;help;serve' {
            break
        }
        'recdiag;help;completions' {
            break
        }
        'recdiag;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
