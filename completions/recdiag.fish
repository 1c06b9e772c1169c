# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_recdiag_global_optspecs
    string join \n h/help V/version
end

function __fish_recdiag_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_recdiag_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_recdiag_using_subcommand
    set -l cmd (__fish_recdiag_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c recdiag -n "__fish_recdiag_needs_command" -s h -l help -d 'Print help'
complete -c recdiag -n "__fish_recdiag_needs_command" -s V -l version -d 'Print version'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "health" -d 'Run every check concurrently, print a summary, exit with the worst status'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "redis" -d 'Redis: PING round trip, version, role, memory vs maxmemory, eviction policy'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "queues" -d 'RQ queues: waiting, started, failed, deferred, scheduled, finished, oldest job, workers'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "workers" -d 'RQ workers: host, pid, state, queues, current job, heartbeat age, live/stale/ghost; rq suspend; the scheduler'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "failed" -d 'Newest failed jobs, grouped by cause, with their exception text'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "call" -d 'Everything about one or more calls, with a verdict: READY, QUEUED, FAILED, ...'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "runs" -d 'recording_runs in the window: statuses, failure causes, completion rate, download times, stuck runs'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "dir" -d 'The recordings directory: exists, readable, writable, .mp3 files, sizes, retention, free space'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "logs" -d 'The worker\'s log, read for the operator: downloads started, saved and failed by cause; one call\'s lines'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "explain" -d 'What a finding code means and what to do about it; alone, every code'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "serve" -d 'Answer Prometheus scrapes: GET /metrics runs health (at most once per --min-interval), GET /healthz'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l only -d 'Run only these checks (repeatable or comma-separated)' -r -f -a "redis\t''
queues\t''
workers\t''
runs\t''
recordings_dir\t''
consistency\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l skip -d 'Skip these checks (repeatable or comma-separated)' -r -f -a "redis\t''
queues\t''
workers\t''
runs\t''
recordings_dir\t''
consistency\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l watch -d 'Run again every INTERVAL (e.g. 10s), redrawing in place on a terminal; Ctrl-C exits with the last status\'s code' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l redis-url -d 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l queue -d 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l rq-key-prefix -d 'The prefix of RQ\'s keys, as the workers\' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l database-url -d 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l recordings-dir -d 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l window -d 'Statistics window, e.g. 1h or 30m [default: 1h]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l env-file -d 'Read settings from this dotenv file [default: ./.env if present]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l timeout -d 'Time limit of each check, e.g. 2s or 500ms [default: 5s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l format -d 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]' -r -f -a "table\t'Tables for people'
json\t'One JSON document (schema v1) for scripts'
prometheus\t'node_exporter textfile format (recdiag_ gauges)'
nagios\t'One monitoring-plugins line with perfdata, then the findings'"
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l output -d 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l color -d 'When to use colour in tables (NO_COLOR is honoured under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l accept -d 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l max-redis-memory-percent -d 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l max-backlog -d 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l crit-backlog -d 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l max-queue-age -d 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l max-failed -d 'FAILED_JOBS warning at this many failed jobs [default: 1]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l crit-failed -d 'FAILED_JOBS critical at this many failed jobs [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l stale-busy-heartbeat -d 'A busy worker is stale when its heartbeat is older [default: 60s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l stale-idle-heartbeat -d 'An idle worker is stale when its heartbeat is older [default: 8m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l min-completion-rate -d 'LOW_COMPLETION_RATE warning below this percentage [default: 95]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l crit-completion-rate -d 'LOW_COMPLETION_RATE critical below this percentage [default: 80]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l max-avg-download -d 'SLOW_DOWNLOADS when the average download takes longer [default: 60s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l max-queued-run-age -d 'RUNS_STUCK when a run has been queued longer, as the app\'s own stuck rule [default: 5m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l max-running-run-age -d 'RUNS_STUCK when a run has been running longer, as the app\'s own stuck rule [default: 5m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l min-free-percent -d 'DISK_SPACE_LOW warning below this free percentage [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l crit-free-percent -d 'DISK_SPACE_LOW critical below this free percentage [default: 2]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l no-env-file -d 'Do not read any dotenv file'
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l json -d 'Same as --format json'
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -s q -l quiet -d 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l no-headers -d 'Tables without their column headers: rows only, for scripts (table format only)'
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l redis-url -d 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l env-file -d 'Read settings from this dotenv file [default: ./.env if present]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l timeout -d 'Time limit of each check, e.g. 2s or 500ms [default: 5s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l format -d 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]' -r -f -a "table\t'Tables for people'
json\t'One JSON document (schema v1) for scripts'
prometheus\t'node_exporter textfile format (recdiag_ gauges)'
nagios\t'One monitoring-plugins line with perfdata, then the findings'"
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l output -d 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l color -d 'When to use colour in tables (NO_COLOR is honoured under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l accept -d 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l max-redis-memory-percent -d 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l no-env-file -d 'Do not read any dotenv file'
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l json -d 'Same as --format json'
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -s q -l quiet -d 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l no-headers -d 'Tables without their column headers: rows only, for scripts (table format only)'
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l redis-url -d 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l queue -d 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l rq-key-prefix -d 'The prefix of RQ\'s keys, as the workers\' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l env-file -d 'Read settings from this dotenv file [default: ./.env if present]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l timeout -d 'Time limit of each check, e.g. 2s or 500ms [default: 5s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l format -d 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]' -r -f -a "table\t'Tables for people'
json\t'One JSON document (schema v1) for scripts'
prometheus\t'node_exporter textfile format (recdiag_ gauges)'
nagios\t'One monitoring-plugins line with perfdata, then the findings'"
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l output -d 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l color -d 'When to use colour in tables (NO_COLOR is honoured under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l accept -d 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l max-backlog -d 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l crit-backlog -d 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l max-queue-age -d 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l max-failed -d 'FAILED_JOBS warning at this many failed jobs [default: 1]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l crit-failed -d 'FAILED_JOBS critical at this many failed jobs [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l stale-busy-heartbeat -d 'A busy worker is stale when its heartbeat is older [default: 60s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l stale-idle-heartbeat -d 'An idle worker is stale when its heartbeat is older [default: 8m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l no-env-file -d 'Do not read any dotenv file'
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l json -d 'Same as --format json'
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -s q -l quiet -d 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -l no-headers -d 'Tables without their column headers: rows only, for scripts (table format only)'
complete -c recdiag -n "__fish_recdiag_using_subcommand queues" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -l redis-url -d 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -l queue -d 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -l rq-key-prefix -d 'The prefix of RQ\'s keys, as the workers\' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -l env-file -d 'Read settings from this dotenv file [default: ./.env if present]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -l timeout -d 'Time limit of each check, e.g. 2s or 500ms [default: 5s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -l format -d 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]' -r -f -a "table\t'Tables for people'
json\t'One JSON document (schema v1) for scripts'
prometheus\t'node_exporter textfile format (recdiag_ gauges)'
nagios\t'One monitoring-plugins line with perfdata, then the findings'"
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -l output -d 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -l color -d 'When to use colour in tables (NO_COLOR is honoured under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -l accept -d 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -l stale-busy-heartbeat -d 'A busy worker is stale when its heartbeat is older [default: 60s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -l stale-idle-heartbeat -d 'An idle worker is stale when its heartbeat is older [default: 8m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -l no-env-file -d 'Do not read any dotenv file'
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -l json -d 'Same as --format json'
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -s q -l quiet -d 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -l no-headers -d 'Tables without their column headers: rows only, for scripts (table format only)'
complete -c recdiag -n "__fish_recdiag_using_subcommand workers" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l limit -d 'How many of the newest failed jobs to read (across the queues of interest)' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l redis-url -d 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l queue -d 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l rq-key-prefix -d 'The prefix of RQ\'s keys, as the workers\' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l database-url -d 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l env-file -d 'Read settings from this dotenv file [default: ./.env if present]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l timeout -d 'Time limit of each check, e.g. 2s or 500ms [default: 5s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l output -d 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l color -d 'When to use colour in tables (NO_COLOR is honoured under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l accept -d 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l max-failed -d 'FAILED_JOBS warning at this many failed jobs [default: 1]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l crit-failed -d 'FAILED_JOBS critical at this many failed jobs [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l format -d 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]' -r -f -a "table\t'Tables for people'
json\t'One JSON document (schema v1) for scripts'"
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -s v -l verbose -d 'Show each job\'s whole exception text, not only its last line'
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l no-env-file -d 'Do not read any dotenv file'
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l json -d 'Same as --format json'
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -s q -l quiet -d 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -l no-headers -d 'Tables without their column headers: rows only, for scripts (table format only)'
complete -c recdiag -n "__fish_recdiag_using_subcommand failed" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l log -d 'The worker\'s log (a file, plain or gzip, or - for standard input): its lines add their evidence to the verdict' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l redis-url -d 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l queue -d 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l rq-key-prefix -d 'The prefix of RQ\'s keys, as the workers\' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l database-url -d 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l recordings-dir -d 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l env-file -d 'Read settings from this dotenv file [default: ./.env if present]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l timeout -d 'Time limit of each check, e.g. 2s or 500ms [default: 5s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l output -d 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l color -d 'When to use colour in tables (NO_COLOR is honoured under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l stale-busy-heartbeat -d 'A busy worker is stale when its heartbeat is older [default: 60s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l stale-idle-heartbeat -d 'An idle worker is stale when its heartbeat is older [default: 8m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l min-completion-rate -d 'LOW_COMPLETION_RATE warning below this percentage [default: 95]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l crit-completion-rate -d 'LOW_COMPLETION_RATE critical below this percentage [default: 80]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l max-avg-download -d 'SLOW_DOWNLOADS when the average download takes longer [default: 60s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l max-queued-run-age -d 'RUNS_STUCK when a run has been queued longer, as the app\'s own stuck rule [default: 5m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l max-running-run-age -d 'RUNS_STUCK when a run has been running longer, as the app\'s own stuck rule [default: 5m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l format -d 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]' -r -f -a "table\t'Tables for people'
json\t'One JSON document (schema v1) for scripts'"
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l accept -d 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l no-env-file -d 'Do not read any dotenv file'
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l json -d 'Same as --format json'
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -s q -l quiet -d 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -l no-headers -d 'Tables without their column headers: rows only, for scripts (table format only)'
complete -c recdiag -n "__fish_recdiag_using_subcommand call" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l database-url -d 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l recordings-dir -d 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l redis-url -d 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l queue -d 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l rq-key-prefix -d 'The prefix of RQ\'s keys, as the workers\' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l window -d 'Statistics window, e.g. 1h or 30m [default: 1h]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l env-file -d 'Read settings from this dotenv file [default: ./.env if present]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l timeout -d 'Time limit of each check, e.g. 2s or 500ms [default: 5s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l format -d 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]' -r -f -a "table\t'Tables for people'
json\t'One JSON document (schema v1) for scripts'
prometheus\t'node_exporter textfile format (recdiag_ gauges)'
nagios\t'One monitoring-plugins line with perfdata, then the findings'"
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l output -d 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l color -d 'When to use colour in tables (NO_COLOR is honoured under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l accept -d 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l min-completion-rate -d 'LOW_COMPLETION_RATE warning below this percentage [default: 95]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l crit-completion-rate -d 'LOW_COMPLETION_RATE critical below this percentage [default: 80]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l max-avg-download -d 'SLOW_DOWNLOADS when the average download takes longer [default: 60s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l max-queued-run-age -d 'RUNS_STUCK when a run has been queued longer, as the app\'s own stuck rule [default: 5m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l max-running-run-age -d 'RUNS_STUCK when a run has been running longer, as the app\'s own stuck rule [default: 5m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l stale-busy-heartbeat -d 'A busy worker is stale when its heartbeat is older [default: 60s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l stale-idle-heartbeat -d 'An idle worker is stale when its heartbeat is older [default: 8m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l no-env-file -d 'Do not read any dotenv file'
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l json -d 'Same as --format json'
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -s q -l quiet -d 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -l no-headers -d 'Tables without their column headers: rows only, for scripts (table format only)'
complete -c recdiag -n "__fish_recdiag_using_subcommand runs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l recordings-dir -d 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l env-file -d 'Read settings from this dotenv file [default: ./.env if present]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l timeout -d 'Time limit of each check, e.g. 2s or 500ms [default: 5s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l format -d 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]' -r -f -a "table\t'Tables for people'
json\t'One JSON document (schema v1) for scripts'
prometheus\t'node_exporter textfile format (recdiag_ gauges)'
nagios\t'One monitoring-plugins line with perfdata, then the findings'"
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l output -d 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l color -d 'When to use colour in tables (NO_COLOR is honoured under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l accept -d 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l min-free-percent -d 'DISK_SPACE_LOW warning below this free percentage [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l crit-free-percent -d 'DISK_SPACE_LOW critical below this free percentage [default: 2]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l no-env-file -d 'Do not read any dotenv file'
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l json -d 'Same as --format json'
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -s q -l quiet -d 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l no-headers -d 'Tables without their column headers: rows only, for scripts (table format only)'
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c recdiag -n "__fish_recdiag_using_subcommand logs" -l sid -d 'Print this call\'s lines in order (repeatable)' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand logs" -l since -d 'Only lines from then on: a duration back from now (1h, 30m) or a time (RFC 3339, or YYYY-MM-DD HH:MM:SS in UTC)' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand logs" -l until -d 'Only lines up to then (same forms as --since)' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand logs" -l env-file -d 'Read settings (RECDIAG_FORMAT) from this dotenv file [default: none: the log is the only source]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand logs" -l output -d 'Write the output to FILE atomically (temporary file in the same directory, then rename), as a Prometheus textfile collector needs' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand logs" -l color -d 'When to use colour in tables (NO_COLOR is honoured under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand logs" -l format -d 'Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]' -r -f -a "table\t'Tables for people'
json\t'One JSON document (schema v1) for scripts'"
complete -c recdiag -n "__fish_recdiag_using_subcommand logs" -l no-env-file -d 'Do not read any dotenv file (what logs does unless --env-file is given)'
complete -c recdiag -n "__fish_recdiag_using_subcommand logs" -l json -d 'Same as --format json'
complete -c recdiag -n "__fish_recdiag_using_subcommand logs" -s q -l quiet -d 'Print nothing on stdout: the exit code says it all (cron, CI); --output is still written, errors still go to stderr'
complete -c recdiag -n "__fish_recdiag_using_subcommand logs" -l no-headers -d 'Tables without their column headers: rows only, for scripts (table format only)'
complete -c recdiag -n "__fish_recdiag_using_subcommand logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c recdiag -n "__fish_recdiag_using_subcommand explain" -s h -l help -d 'Print help'
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l listen -d 'Address to listen on, HOST:PORT (loopback unless told otherwise)' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l min-interval -d 'Run the checks at most once per INTERVAL: scrapes in between get the last answer, whose age recdiag_result_age_seconds says' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l only -d 'Run only these checks (repeatable or comma-separated)' -r -f -a "redis\t''
queues\t''
workers\t''
runs\t''
recordings_dir\t''
consistency\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l skip -d 'Skip these checks (repeatable or comma-separated)' -r -f -a "redis\t''
queues\t''
workers\t''
runs\t''
recordings_dir\t''
consistency\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l env-file -d 'Read settings from this dotenv file [default: ./.env if present]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l timeout -d 'Time limit of each check, e.g. 2s or 500ms [default: 5s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l accept -d 'Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked accepted, but no longer raises the status [env: RECDIAG_ACCEPT]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l redis-url -d 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l queue -d 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l rq-key-prefix -d 'The prefix of RQ\'s keys, as the workers\' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l database-url -d 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [env, first set: DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l recordings-dir -d 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l window -d 'Statistics window, e.g. 1h or 30m [default: 1h]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l max-redis-memory-percent -d 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l max-backlog -d 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l crit-backlog -d 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l max-queue-age -d 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l max-failed -d 'FAILED_JOBS warning at this many failed jobs [default: 1]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l crit-failed -d 'FAILED_JOBS critical at this many failed jobs [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l stale-busy-heartbeat -d 'A busy worker is stale when its heartbeat is older [default: 60s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l stale-idle-heartbeat -d 'An idle worker is stale when its heartbeat is older [default: 8m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l min-completion-rate -d 'LOW_COMPLETION_RATE warning below this percentage [default: 95]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l crit-completion-rate -d 'LOW_COMPLETION_RATE critical below this percentage [default: 80]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l max-avg-download -d 'SLOW_DOWNLOADS when the average download takes longer [default: 60s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l max-queued-run-age -d 'RUNS_STUCK when a run has been queued longer, as the app\'s own stuck rule [default: 5m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l max-running-run-age -d 'RUNS_STUCK when a run has been running longer, as the app\'s own stuck rule [default: 5m]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l min-free-percent -d 'DISK_SPACE_LOW warning below this free percentage [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l crit-free-percent -d 'DISK_SPACE_LOW critical below this free percentage [default: 2]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -l no-env-file -d 'Do not read any dotenv file'
complete -c recdiag -n "__fish_recdiag_using_subcommand serve" -s h -l help -d 'Print help'
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -s h -l help -d 'Print help'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis queues workers failed call runs dir logs explain serve completions help" -f -a "health" -d 'Run every check concurrently, print a summary, exit with the worst status'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis queues workers failed call runs dir logs explain serve completions help" -f -a "redis" -d 'Redis: PING round trip, version, role, memory vs maxmemory, eviction policy'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis queues workers failed call runs dir logs explain serve completions help" -f -a "queues" -d 'RQ queues: waiting, started, failed, deferred, scheduled, finished, oldest job, workers'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis queues workers failed call runs dir logs explain serve completions help" -f -a "workers" -d 'RQ workers: host, pid, state, queues, current job, heartbeat age, live/stale/ghost; rq suspend; the scheduler'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis queues workers failed call runs dir logs explain serve completions help" -f -a "failed" -d 'Newest failed jobs, grouped by cause, with their exception text'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis queues workers failed call runs dir logs explain serve completions help" -f -a "call" -d 'Everything about one or more calls, with a verdict: READY, QUEUED, FAILED, ...'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis queues workers failed call runs dir logs explain serve completions help" -f -a "runs" -d 'recording_runs in the window: statuses, failure causes, completion rate, download times, stuck runs'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis queues workers failed call runs dir logs explain serve completions help" -f -a "dir" -d 'The recordings directory: exists, readable, writable, .mp3 files, sizes, retention, free space'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis queues workers failed call runs dir logs explain serve completions help" -f -a "logs" -d 'The worker\'s log, read for the operator: downloads started, saved and failed by cause; one call\'s lines'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis queues workers failed call runs dir logs explain serve completions help" -f -a "explain" -d 'What a finding code means and what to do about it; alone, every code'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis queues workers failed call runs dir logs explain serve completions help" -f -a "serve" -d 'Answer Prometheus scrapes: GET /metrics runs health (at most once per --min-interval), GET /healthz'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis queues workers failed call runs dir logs explain serve completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis queues workers failed call runs dir logs explain serve completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
