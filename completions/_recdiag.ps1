
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
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]')
            [CompletionResult]::new('--recordings-dir', '--recordings-dir', [CompletionResultType]::ParameterName, 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings from this dotenv file [default: ./.env if present]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit of each check, e.g. 2s or 500ms [default: 5s]')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Statistics window, e.g. 1h or 30m [default: 1h]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables (NO_COLOR is honoured under auto)')
            [CompletionResult]::new('--min-free-percent', '--min-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW warning below this free percentage [default: 10]')
            [CompletionResult]::new('--crit-free-percent', '--crit-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW critical below this free percentage [default: 2]')
            [CompletionResult]::new('--max-redis-memory-percent', '--max-redis-memory-percent', [CompletionResultType]::ParameterName, 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Run every check concurrently, print a summary, exit with the worst status')
            [CompletionResult]::new('redis', 'redis', [CompletionResultType]::ParameterValue, 'Redis: PING round trip, version, role, memory vs maxmemory, eviction policy')
            [CompletionResult]::new('dir', 'dir', [CompletionResultType]::ParameterValue, 'The recordings directory: exists, readable, writable, .mp3 files, sizes, free space')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'recdiag;health' {
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks (repeatable or comma-separated)')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip these checks (repeatable or comma-separated)')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]')
            [CompletionResult]::new('--recordings-dir', '--recordings-dir', [CompletionResultType]::ParameterName, 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings from this dotenv file [default: ./.env if present]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit of each check, e.g. 2s or 500ms [default: 5s]')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Statistics window, e.g. 1h or 30m [default: 1h]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables (NO_COLOR is honoured under auto)')
            [CompletionResult]::new('--min-free-percent', '--min-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW warning below this free percentage [default: 10]')
            [CompletionResult]::new('--crit-free-percent', '--crit-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW critical below this free percentage [default: 2]')
            [CompletionResult]::new('--max-redis-memory-percent', '--max-redis-memory-percent', [CompletionResultType]::ParameterName, 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'recdiag;redis' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]')
            [CompletionResult]::new('--recordings-dir', '--recordings-dir', [CompletionResultType]::ParameterName, 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings from this dotenv file [default: ./.env if present]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit of each check, e.g. 2s or 500ms [default: 5s]')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Statistics window, e.g. 1h or 30m [default: 1h]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables (NO_COLOR is honoured under auto)')
            [CompletionResult]::new('--min-free-percent', '--min-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW warning below this free percentage [default: 10]')
            [CompletionResult]::new('--crit-free-percent', '--crit-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW critical below this free percentage [default: 2]')
            [CompletionResult]::new('--max-redis-memory-percent', '--max-redis-memory-percent', [CompletionResultType]::ParameterName, 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'recdiag;dir' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]')
            [CompletionResult]::new('--recordings-dir', '--recordings-dir', [CompletionResultType]::ParameterName, 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings from this dotenv file [default: ./.env if present]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit of each check, e.g. 2s or 500ms [default: 5s]')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Statistics window, e.g. 1h or 30m [default: 1h]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables (NO_COLOR is honoured under auto)')
            [CompletionResult]::new('--min-free-percent', '--min-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW warning below this free percentage [default: 10]')
            [CompletionResult]::new('--crit-free-percent', '--crit-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW critical below this free percentage [default: 2]')
            [CompletionResult]::new('--max-redis-memory-percent', '--max-redis-memory-percent', [CompletionResultType]::ParameterName, 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'recdiag;completions' {
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]')
            [CompletionResult]::new('--recordings-dir', '--recordings-dir', [CompletionResultType]::ParameterName, 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]')
            [CompletionResult]::new('--env-file', '--env-file', [CompletionResultType]::ParameterName, 'Read settings from this dotenv file [default: ./.env if present]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit of each check, e.g. 2s or 500ms [default: 5s]')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Statistics window, e.g. 1h or 30m [default: 1h]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables (NO_COLOR is honoured under auto)')
            [CompletionResult]::new('--min-free-percent', '--min-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW warning below this free percentage [default: 10]')
            [CompletionResult]::new('--crit-free-percent', '--crit-free-percent', [CompletionResultType]::ParameterName, 'DISK_SPACE_LOW critical below this free percentage [default: 2]')
            [CompletionResult]::new('--max-redis-memory-percent', '--max-redis-memory-percent', [CompletionResultType]::ParameterName, 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]')
            [CompletionResult]::new('--no-env-file', '--no-env-file', [CompletionResultType]::ParameterName, 'Do not read any dotenv file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'recdiag;help' {
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Run every check concurrently, print a summary, exit with the worst status')
            [CompletionResult]::new('redis', 'redis', [CompletionResultType]::ParameterValue, 'Redis: PING round trip, version, role, memory vs maxmemory, eviction policy')
            [CompletionResult]::new('dir', 'dir', [CompletionResultType]::ParameterValue, 'The recordings directory: exists, readable, writable, .mp3 files, sizes, free space')
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
        'recdiag;help;dir' {
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
