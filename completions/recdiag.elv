
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
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --database-url 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]'
            cand --recordings-dir 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --window 'Statistics window, e.g. 1h or 30m [default: 1h]'
            cand --format 'Output format [default: table]'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --max-backlog 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]'
            cand --crit-backlog 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]'
            cand --max-queue-age 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]'
            cand --max-failed 'FAILED_JOBS warning at this many failed jobs [default: 1]'
            cand --crit-failed 'FAILED_JOBS critical at this many failed jobs [default: 10]'
            cand --stale-busy-heartbeat 'A busy worker is stale when its heartbeat is older [default: 60s]'
            cand --stale-idle-heartbeat 'An idle worker is stale when its heartbeat is older [default: 8m]'
            cand --min-free-percent 'DISK_SPACE_LOW warning below this free percentage [default: 10]'
            cand --crit-free-percent 'DISK_SPACE_LOW critical below this free percentage [default: 2]'
            cand --max-redis-memory-percent 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand health 'Run every check concurrently, print a summary, exit with the worst status'
            cand redis 'Redis: PING round trip, version, role, memory vs maxmemory, eviction policy'
            cand queues 'RQ queues: waiting, started, failed, deferred, scheduled, finished, oldest job, workers'
            cand workers 'RQ workers: host, pid, state, queues, current job, heartbeat age, live/stale/ghost'
            cand failed 'Newest failed jobs, grouped by cause, with their exception text'
            cand dir 'The recordings directory: exists, readable, writable, .mp3 files, sizes, free space'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'recdiag;health'= {
            cand --only 'Run only these checks (repeatable or comma-separated)'
            cand --skip 'Skip these checks (repeatable or comma-separated)'
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --database-url 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]'
            cand --recordings-dir 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --window 'Statistics window, e.g. 1h or 30m [default: 1h]'
            cand --format 'Output format [default: table]'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --max-backlog 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]'
            cand --crit-backlog 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]'
            cand --max-queue-age 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]'
            cand --max-failed 'FAILED_JOBS warning at this many failed jobs [default: 1]'
            cand --crit-failed 'FAILED_JOBS critical at this many failed jobs [default: 10]'
            cand --stale-busy-heartbeat 'A busy worker is stale when its heartbeat is older [default: 60s]'
            cand --stale-idle-heartbeat 'An idle worker is stale when its heartbeat is older [default: 8m]'
            cand --min-free-percent 'DISK_SPACE_LOW warning below this free percentage [default: 10]'
            cand --crit-free-percent 'DISK_SPACE_LOW critical below this free percentage [default: 2]'
            cand --max-redis-memory-percent 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;redis'= {
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --database-url 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]'
            cand --recordings-dir 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --window 'Statistics window, e.g. 1h or 30m [default: 1h]'
            cand --format 'Output format [default: table]'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --max-backlog 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]'
            cand --crit-backlog 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]'
            cand --max-queue-age 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]'
            cand --max-failed 'FAILED_JOBS warning at this many failed jobs [default: 1]'
            cand --crit-failed 'FAILED_JOBS critical at this many failed jobs [default: 10]'
            cand --stale-busy-heartbeat 'A busy worker is stale when its heartbeat is older [default: 60s]'
            cand --stale-idle-heartbeat 'An idle worker is stale when its heartbeat is older [default: 8m]'
            cand --min-free-percent 'DISK_SPACE_LOW warning below this free percentage [default: 10]'
            cand --crit-free-percent 'DISK_SPACE_LOW critical below this free percentage [default: 2]'
            cand --max-redis-memory-percent 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;queues'= {
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --database-url 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]'
            cand --recordings-dir 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --window 'Statistics window, e.g. 1h or 30m [default: 1h]'
            cand --format 'Output format [default: table]'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --max-backlog 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]'
            cand --crit-backlog 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]'
            cand --max-queue-age 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]'
            cand --max-failed 'FAILED_JOBS warning at this many failed jobs [default: 1]'
            cand --crit-failed 'FAILED_JOBS critical at this many failed jobs [default: 10]'
            cand --stale-busy-heartbeat 'A busy worker is stale when its heartbeat is older [default: 60s]'
            cand --stale-idle-heartbeat 'An idle worker is stale when its heartbeat is older [default: 8m]'
            cand --min-free-percent 'DISK_SPACE_LOW warning below this free percentage [default: 10]'
            cand --crit-free-percent 'DISK_SPACE_LOW critical below this free percentage [default: 2]'
            cand --max-redis-memory-percent 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;workers'= {
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --database-url 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]'
            cand --recordings-dir 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --window 'Statistics window, e.g. 1h or 30m [default: 1h]'
            cand --format 'Output format [default: table]'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --max-backlog 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]'
            cand --crit-backlog 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]'
            cand --max-queue-age 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]'
            cand --max-failed 'FAILED_JOBS warning at this many failed jobs [default: 1]'
            cand --crit-failed 'FAILED_JOBS critical at this many failed jobs [default: 10]'
            cand --stale-busy-heartbeat 'A busy worker is stale when its heartbeat is older [default: 60s]'
            cand --stale-idle-heartbeat 'An idle worker is stale when its heartbeat is older [default: 8m]'
            cand --min-free-percent 'DISK_SPACE_LOW warning below this free percentage [default: 10]'
            cand --crit-free-percent 'DISK_SPACE_LOW critical below this free percentage [default: 2]'
            cand --max-redis-memory-percent 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;failed'= {
            cand --limit 'How many of the newest failed jobs to read (across the queues of interest)'
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --database-url 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]'
            cand --recordings-dir 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --window 'Statistics window, e.g. 1h or 30m [default: 1h]'
            cand --format 'Output format [default: table]'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --max-backlog 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]'
            cand --crit-backlog 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]'
            cand --max-queue-age 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]'
            cand --max-failed 'FAILED_JOBS warning at this many failed jobs [default: 1]'
            cand --crit-failed 'FAILED_JOBS critical at this many failed jobs [default: 10]'
            cand --stale-busy-heartbeat 'A busy worker is stale when its heartbeat is older [default: 60s]'
            cand --stale-idle-heartbeat 'An idle worker is stale when its heartbeat is older [default: 8m]'
            cand --min-free-percent 'DISK_SPACE_LOW warning below this free percentage [default: 10]'
            cand --crit-free-percent 'DISK_SPACE_LOW critical below this free percentage [default: 2]'
            cand --max-redis-memory-percent 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]'
            cand -v 'Show each job''s whole exception text, not only its last line'
            cand --verbose 'Show each job''s whole exception text, not only its last line'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;dir'= {
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --database-url 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]'
            cand --recordings-dir 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --window 'Statistics window, e.g. 1h or 30m [default: 1h]'
            cand --format 'Output format [default: table]'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --max-backlog 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]'
            cand --crit-backlog 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]'
            cand --max-queue-age 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]'
            cand --max-failed 'FAILED_JOBS warning at this many failed jobs [default: 1]'
            cand --crit-failed 'FAILED_JOBS critical at this many failed jobs [default: 10]'
            cand --stale-busy-heartbeat 'A busy worker is stale when its heartbeat is older [default: 60s]'
            cand --stale-idle-heartbeat 'An idle worker is stale when its heartbeat is older [default: 8m]'
            cand --min-free-percent 'DISK_SPACE_LOW warning below this free percentage [default: 10]'
            cand --crit-free-percent 'DISK_SPACE_LOW critical below this free percentage [default: 2]'
            cand --max-redis-memory-percent 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;completions'= {
            cand --redis-url 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed'
            cand --database-url 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]'
            cand --recordings-dir 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]'
            cand --queue 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]'
            cand --env-file 'Read settings from this dotenv file [default: ./.env if present]'
            cand --timeout 'Time limit of each check, e.g. 2s or 500ms [default: 5s]'
            cand --window 'Statistics window, e.g. 1h or 30m [default: 1h]'
            cand --format 'Output format [default: table]'
            cand --color 'When to use colour in tables (NO_COLOR is honoured under auto)'
            cand --max-backlog 'QUEUE_BACKLOG warning at this many waiting jobs [default: 10]'
            cand --crit-backlog 'QUEUE_BACKLOG critical at this many waiting jobs [default: 50]'
            cand --max-queue-age 'QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]'
            cand --max-failed 'FAILED_JOBS warning at this many failed jobs [default: 1]'
            cand --crit-failed 'FAILED_JOBS critical at this many failed jobs [default: 10]'
            cand --stale-busy-heartbeat 'A busy worker is stale when its heartbeat is older [default: 60s]'
            cand --stale-idle-heartbeat 'An idle worker is stale when its heartbeat is older [default: 8m]'
            cand --min-free-percent 'DISK_SPACE_LOW warning below this free percentage [default: 10]'
            cand --crit-free-percent 'DISK_SPACE_LOW critical below this free percentage [default: 2]'
            cand --max-redis-memory-percent 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]'
            cand --no-env-file 'Do not read any dotenv file'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'recdiag;help'= {
            cand health 'Run every check concurrently, print a summary, exit with the worst status'
            cand redis 'Redis: PING round trip, version, role, memory vs maxmemory, eviction policy'
            cand queues 'RQ queues: waiting, started, failed, deferred, scheduled, finished, oldest job, workers'
            cand workers 'RQ workers: host, pid, state, queues, current job, heartbeat age, live/stale/ghost'
            cand failed 'Newest failed jobs, grouped by cause, with their exception text'
            cand dir 'The recordings directory: exists, readable, writable, .mp3 files, sizes, free space'
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
        &'recdiag;help;dir'= {
        }
        &'recdiag;help;completions'= {
        }
        &'recdiag;help;help'= {
        }
    ]
    $completions[$command]
}
