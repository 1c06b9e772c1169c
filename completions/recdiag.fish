# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_recdiag_global_optspecs
    string join \n redis-url= database-url= recordings-dir= queue= env-file= no-env-file timeout= window= format= json color= min-free-percent= crit-free-percent= max-redis-memory-percent= h/help V/version
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

complete -c recdiag -n "__fish_recdiag_needs_command" -l redis-url -d 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed' -r
complete -c recdiag -n "__fish_recdiag_needs_command" -l database-url -d 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]' -r
complete -c recdiag -n "__fish_recdiag_needs_command" -l recordings-dir -d 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]' -r -F
complete -c recdiag -n "__fish_recdiag_needs_command" -l queue -d 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]' -r
complete -c recdiag -n "__fish_recdiag_needs_command" -l env-file -d 'Read settings from this dotenv file [default: ./.env if present]' -r -F
complete -c recdiag -n "__fish_recdiag_needs_command" -l timeout -d 'Time limit of each check, e.g. 2s or 500ms [default: 5s]' -r
complete -c recdiag -n "__fish_recdiag_needs_command" -l window -d 'Statistics window, e.g. 1h or 30m [default: 1h]' -r
complete -c recdiag -n "__fish_recdiag_needs_command" -l format -d 'Output format [default: table]' -r -f -a "table\t'Tables for people'
json\t'One JSON document (schema v1) for scripts'"
complete -c recdiag -n "__fish_recdiag_needs_command" -l color -d 'When to use colour in tables (NO_COLOR is honoured under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c recdiag -n "__fish_recdiag_needs_command" -l min-free-percent -d 'DISK_SPACE_LOW warning below this free percentage [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_needs_command" -l crit-free-percent -d 'DISK_SPACE_LOW critical below this free percentage [default: 2]' -r
complete -c recdiag -n "__fish_recdiag_needs_command" -l max-redis-memory-percent -d 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]' -r
complete -c recdiag -n "__fish_recdiag_needs_command" -l no-env-file -d 'Do not read any dotenv file'
complete -c recdiag -n "__fish_recdiag_needs_command" -l json -d 'Same as --format json'
complete -c recdiag -n "__fish_recdiag_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c recdiag -n "__fish_recdiag_needs_command" -s V -l version -d 'Print version'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "health" -d 'Run every check concurrently, print a summary, exit with the worst status'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "redis" -d 'Redis: PING round trip, version, role, memory vs maxmemory, eviction policy'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "dir" -d 'The recordings directory: exists, readable, writable, .mp3 files, sizes, free space'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c recdiag -n "__fish_recdiag_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l only -d 'Run only these checks (repeatable or comma-separated)' -r -f -a "redis\t''
recordings_dir\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l skip -d 'Skip these checks (repeatable or comma-separated)' -r -f -a "redis\t''
recordings_dir\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l redis-url -d 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l database-url -d 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l recordings-dir -d 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l queue -d 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l env-file -d 'Read settings from this dotenv file [default: ./.env if present]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l timeout -d 'Time limit of each check, e.g. 2s or 500ms [default: 5s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l window -d 'Statistics window, e.g. 1h or 30m [default: 1h]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l format -d 'Output format [default: table]' -r -f -a "table\t'Tables for people'
json\t'One JSON document (schema v1) for scripts'"
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l color -d 'When to use colour in tables (NO_COLOR is honoured under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l min-free-percent -d 'DISK_SPACE_LOW warning below this free percentage [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l crit-free-percent -d 'DISK_SPACE_LOW critical below this free percentage [default: 2]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l max-redis-memory-percent -d 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l no-env-file -d 'Do not read any dotenv file'
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -l json -d 'Same as --format json'
complete -c recdiag -n "__fish_recdiag_using_subcommand health" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l redis-url -d 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l database-url -d 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l recordings-dir -d 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l queue -d 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l env-file -d 'Read settings from this dotenv file [default: ./.env if present]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l timeout -d 'Time limit of each check, e.g. 2s or 500ms [default: 5s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l window -d 'Statistics window, e.g. 1h or 30m [default: 1h]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l format -d 'Output format [default: table]' -r -f -a "table\t'Tables for people'
json\t'One JSON document (schema v1) for scripts'"
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l color -d 'When to use colour in tables (NO_COLOR is honoured under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l min-free-percent -d 'DISK_SPACE_LOW warning below this free percentage [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l crit-free-percent -d 'DISK_SPACE_LOW critical below this free percentage [default: 2]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l max-redis-memory-percent -d 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l no-env-file -d 'Do not read any dotenv file'
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -l json -d 'Same as --format json'
complete -c recdiag -n "__fish_recdiag_using_subcommand redis" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l redis-url -d 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l database-url -d 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l recordings-dir -d 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l queue -d 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l env-file -d 'Read settings from this dotenv file [default: ./.env if present]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l timeout -d 'Time limit of each check, e.g. 2s or 500ms [default: 5s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l window -d 'Statistics window, e.g. 1h or 30m [default: 1h]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l format -d 'Output format [default: table]' -r -f -a "table\t'Tables for people'
json\t'One JSON document (schema v1) for scripts'"
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l color -d 'When to use colour in tables (NO_COLOR is honoured under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l min-free-percent -d 'DISK_SPACE_LOW warning below this free percentage [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l crit-free-percent -d 'DISK_SPACE_LOW critical below this free percentage [default: 2]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l max-redis-memory-percent -d 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l no-env-file -d 'Do not read any dotenv file'
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -l json -d 'Same as --format json'
complete -c recdiag -n "__fish_recdiag_using_subcommand dir" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -l redis-url -d 'Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -l database-url -d 'Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -l recordings-dir -d 'Directory holding <CALL_SID>.mp3 files [default: server/recordings]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -l queue -d 'Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -l env-file -d 'Read settings from this dotenv file [default: ./.env if present]' -r -F
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -l timeout -d 'Time limit of each check, e.g. 2s or 500ms [default: 5s]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -l window -d 'Statistics window, e.g. 1h or 30m [default: 1h]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -l format -d 'Output format [default: table]' -r -f -a "table\t'Tables for people'
json\t'One JSON document (schema v1) for scripts'"
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -l color -d 'When to use colour in tables (NO_COLOR is honoured under auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -l min-free-percent -d 'DISK_SPACE_LOW warning below this free percentage [default: 10]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -l crit-free-percent -d 'DISK_SPACE_LOW critical below this free percentage [default: 2]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -l max-redis-memory-percent -d 'REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]' -r
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -l no-env-file -d 'Do not read any dotenv file'
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -l json -d 'Same as --format json'
complete -c recdiag -n "__fish_recdiag_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis dir completions help" -f -a "health" -d 'Run every check concurrently, print a summary, exit with the worst status'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis dir completions help" -f -a "redis" -d 'Redis: PING round trip, version, role, memory vs maxmemory, eviction policy'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis dir completions help" -f -a "dir" -d 'The recordings directory: exists, readable, writable, .mp3 files, sizes, free space'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis dir completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c recdiag -n "__fish_recdiag_using_subcommand help; and not __fish_seen_subcommand_from health redis dir completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
