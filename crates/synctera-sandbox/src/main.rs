//! `synctera-sandbox`: runs the sandbox server until Ctrl-C or SIGTERM.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use synctera_sandbox::{Sandbox, SandboxConfig};

/// The OpenAPI description this binary serves, byte for byte: `synctera.yaml` in the crate
/// directory is a symlink to the workspace's `openapi/synctera.yaml`, which `cargo package` stores
/// as a regular file, so the published crate and the Python wheel embed the same bytes.
const SPEC: &str = include_str!("../synctera.yaml");

/// Environment variable with accepted API keys, comma-separated; kept out of the argument list
/// so that keys do not show in `ps`.
const KEYS_ENV: &str = "SYNCTERA_SANDBOX_API_KEYS";

/// A stateful local stand-in for Synctera's v0 persons/customers API.
#[derive(Parser)]
#[command(
    version,
    about,
    after_help = "Environment:\n  SYNCTERA_SANDBOX_API_KEYS  Accepted API keys, comma-separated (added to any --api-key);\n                             preferred over --api-key, which other users can see in `ps`.\n  RUST_LOG                   Log filter (default info); logs never show keys, paths or bodies.\n  NO_COLOR                   Set and not empty: no colour in the logs (they are coloured only\n                             when stderr is a terminal)."
)]
struct Args {
    /// Write the OpenAPI description this binary was built from to stdout and exit (generate
    /// your client from it: it is exactly the API this server speaks).
    #[arg(long)]
    print_spec: bool,
    /// Address to listen on, as IP:PORT ([::1]:4010 for IPv6; port 0 takes a free port, which
    /// the printed URL shows). localhost:PORT means 127.0.0.1:PORT; no other host name is
    /// resolved.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:4010", value_parser = parse_listen)]
    listen: SocketAddr,
    /// Accept only this API key (repeatable); without any (and without SYNCTERA_SANDBOX_API_KEYS),
    /// every non-empty key of at most 256 characters is accepted.
    #[arg(long = "api-key", value_name = "KEY")]
    api_keys: Vec<String>,
    /// Enforce the unique-customer rule (dob + last name + SSN last four) with 409.
    #[arg(long)]
    enforce_unique_customer: bool,
    /// Share of requests (0..=1) answered with an injected fault, each drawn evenly from three:
    /// 503 SERVICE_UNAVAILABLE before any work; 429 TOO_MANY_REQUESTS with Retry-After: 1
    /// before any work; or the work done and committed, then the connection closed without an
    /// answer (a retry without the same Idempotency-Key then creates a duplicate).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    fault_rate: f64,
    /// Seed of the random fault schedule.
    #[arg(long, default_value_t = 0)]
    fault_seed: u64,
    /// Keep records in the SQLite database FILE (created when missing): every acknowledged write
    /// is committed there before it is answered, and loaded again at start. The file holds full
    /// SSNs; it is created readable by its owner only.
    #[arg(long, value_name = "FILE")]
    state: Option<std::path::PathBuf>,
    /// Seconds a connection may take to send a complete request head, counted from the accept
    /// or, on a kept-alive connection, from the end of the previous answer: this is also the
    /// idle keep-alive timeout. Past it the connection is closed.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    header_read_timeout: Duration,
    /// Seconds one request may take from its complete head to its answer (body upload
    /// included); past it the answer is 504 GATEWAY_TIMEOUT. Also how long an answer's
    /// sending may stall (a client that does not read it); past it the connection is closed.
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_secs)]
    request_timeout: Duration,
    /// Most connections served at once; further ones wait in the listen backlog until one
    /// closes.
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Let webhooks deliver to HOST as well (repeatable). Without it deliveries go only to
    /// loopback hosts (127.0.0.0/8, ::1, localhost).
    #[arg(long = "webhook-allow-host", value_name = "HOST")]
    webhook_allow_hosts: Vec<String>,
    /// The wait after a delivery's first failure, in milliseconds, at most 3600000 (an hour);
    /// later waits double (up to 960 times it) until they add up to 6 600 times it. The
    /// default (30 s) retries for about 55 hours; tests use a few milliseconds.
    #[arg(long, value_name = "MS", default_value = "30000", value_parser = parse_retry_base)]
    webhook_retry_base_ms: Duration,
    /// Seconds the previous webhook secret keeps signing after a rolling replacement (the
    /// platform's 24 hours by default); tests shorten it to see a rotation end.
    #[arg(long, value_name = "SECS", default_value = "86400", value_parser = parse_secs)]
    webhook_rolling_window: Duration,
}

/// The keys in `SYNCTERA_SANDBOX_API_KEYS`: comma-separated, blanks around them trimmed. An
/// unset variable adds none; one that is set but names no key (`""`, `" , "`) is an error
/// rather than a sandbox that silently accepts every key. Errors never quote the value.
fn env_keys() -> Result<Vec<String>, String> {
    let raw = match std::env::var(KEYS_ENV) {
        Ok(v) => v,
        Err(std::env::VarError::NotPresent) => return Ok(Vec::new()),
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(format!("{KEYS_ENV} is not valid UTF-8"));
        }
    };
    let keys: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(String::from)
        .collect();
    if keys.is_empty() {
        return Err(format!("{KEYS_ENV} is set but names no key"));
    }
    Ok(keys)
}

/// `IP:PORT`, or `localhost:PORT` for 127.0.0.1: no name is looked up, so the sandbox never
/// listens on an address the user did not write (a resolver may map `localhost` anywhere).
fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    if let Some((host, port)) = s.rsplit_once(':')
        && host.eq_ignore_ascii_case("localhost")
        && let Ok(port) = port.parse::<u16>()
    {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    s.parse().map_err(|_| {
        "must be IP:PORT (127.0.0.1:4010, [::1]:4010, 0.0.0.0:4010; port 0 for a free one) or \
         localhost:PORT; host names are not resolved"
            .into()
    })
}

/// A positive number of seconds, fractions allowed (`0.5`), at most a year.
fn parse_secs(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= 365.0 * 24.0 * 3600.0 => {
            Ok(Duration::from_secs_f64(secs))
        }
        _ => Err("must be a number of seconds above 0, at most a year (31536000)".into()),
    }
}

/// Whole milliseconds, at most an hour (the library's cap, `MAX_WEBHOOK_RETRY_BASE`): a longer
/// base would be cut to an hour without a word, so the binary refuses it instead.
fn parse_retry_base(s: &str) -> Result<Duration, String> {
    match s.parse::<u64>() {
        Ok(ms) if ms <= 3_600_000 => Ok(Duration::from_millis(ms)),
        _ => Err("must be a whole number of milliseconds, at most 3600000 (an hour)".into()),
    }
}

/// Why the directory of the `--state` file cannot hold it, if it cannot: creating the file there
/// would fail with an OS error that names neither the file nor the option.
fn unusable_state_dir(path: &Path) -> Option<String> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty())?;
    // The nearest existing ancestor tells a missing directory from a file in the way.
    // (A relative path's last ancestor is "", which never exists: the working directory does.)
    let existing = dir.ancestors().find(|a| a.exists() || a.is_symlink());
    match existing {
        Some(a) if a == dir && a.is_dir() => None,
        Some(a) if !a.is_dir() => Some(format!("{} is not a directory", a.display())),
        _ => Some("the directory does not exist".into()),
    }
}

/// The one line a refused start prints. Only binding the listener fails with these kinds, and
/// the OS error alone names no address.
fn start_error(e: &std::io::Error, listen: SocketAddr) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::AddrInUse => format!("--listen {listen}: the address is already in use"),
        ErrorKind::AddrNotAvailable => {
            format!("--listen {listen}: the address is not one of this machine's")
        }
        _ => e.to_string(),
    }
}

/// Exits on a command line clap refused, as `clap::Error::exit` does, but with every word that
/// may be an API key shown as `<redacted>`: clap quotes what it refuses, and the sandbox takes
/// no positional argument, so `--api-key k1 k2` (one flag for two keys) has it quote `k2`.
fn refuse_args(e: &clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        e.exit();
    }
    let args = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned());
    eprint!("{}", redact(&e.render().to_string(), &possible_keys(args)));
    std::process::exit(e.exit_code());
}

/// The words of a command line that may be API keys: the values of `--api-key`, and any word
/// that is neither an option nor the value of one (and the short flag clap reads a key starting
/// with `-` as).
fn possible_keys(args: impl IntoIterator<Item = String>) -> Vec<String> {
    let command = Args::command();
    let takes_value = |name: &str| {
        command
            .get_arguments()
            .any(|a| a.get_long() == Some(name) && a.get_action().takes_values())
    };
    let mut keys = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--" {
            keys.extend(args);
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (long, None),
            };
            match value {
                Some(value) if name == "api-key" => keys.push(value.to_owned()),
                None if name == "api-key" => keys.extend(args.next()),
                None if takes_value(name) => drop(args.next()),
                _ => {}
            }
        } else if !arg.starts_with('-') {
            keys.push(arg);
        }
    }
    keys.retain(|k| !k.is_empty());
    // A key that starts with one `-` is read as short flags, and clap quotes the first (`-d`).
    let flags: Vec<String> = keys
        .iter()
        .filter(|k| !k.starts_with("--"))
        .filter_map(|k| k.strip_prefix('-')?.chars().next().map(|c| format!("-{c}")))
        .collect();
    keys.extend(flags);
    // Longest first, so that a key containing another is replaced whole.
    keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
    keys
}

/// `message` with each of `words` replaced by `<redacted>` where it stands as a word of its own
/// (clap quotes values as `'value'` or `'--option=value'`), not where it is part of a longer
/// one: a short key must not blank out the letters of the message.
fn redact(message: &str, words: &[String]) -> String {
    let bounds = |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || "'\"=`".contains(c));
    let mut out = message.to_owned();
    for word in words {
        let mut from = 0;
        while let Some(i) = out[from..].find(word.as_str()).map(|i| from + i) {
            let end = i + word.len();
            if bounds(out[..i].chars().next_back()) && bounds(out[end..].chars().next()) {
                out.replace_range(i..end, "<redacted>");
                from = i + "<redacted>".len();
            } else {
                from = i + word.chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    out
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err("must be a number from 0 to 1".into()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr so that stdout carries only the base URL, for scripts to read.
    // Colour codes are noise in captured logs (a file, a Python test's pipe); NO_COLOR
    // (no-color.org: set and not empty) turns them off on a terminal too.
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::try_parse().unwrap_or_else(|e| refuse_args(&e));
    if args.print_spec {
        return print_spec();
    }
    let env_keys = match env_keys() {
        Ok(k) => k,
        Err(msg) => {
            eprintln!("error: {msg}");
            std::process::exit(2);
        }
    };
    let mut config = SandboxConfig::default()
        .listen(args.listen)
        .enforce_unique_customer(args.enforce_unique_customer)
        .fault_rate(args.fault_rate)
        .fault_seed(args.fault_seed)
        .header_read_timeout(args.header_read_timeout)
        .request_timeout(args.request_timeout)
        .max_connections(args.max_connections as usize);
    for k in args.api_keys.iter().cloned().chain(env_keys) {
        config = config.api_key(k);
    }
    if let Some(path) = args.state {
        if let Some(why) = unusable_state_dir(&path) {
            eprintln!("error: --state {}: {why}", path.display());
            std::process::exit(1);
        }
        config = config.state(path);
    }
    config = config
        .webhook_retry_base(args.webhook_retry_base_ms)
        .webhook_rolling_window(args.webhook_rolling_window);
    for host in args.webhook_allow_hosts {
        config = config.webhook_allow_host(host);
    }
    // Records are loaded before the listener accepts anything, so no client sees it empty.
    let sandbox = match Sandbox::start_with(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}", start_error(&e, args.listen));
            std::process::exit(1);
        }
    };
    // Handlers go in before the URL is printed: a script that signals as soon as it reads the
    // URL must get a clean stop, not the default kill.
    let stop = match StopSignal::install() {
        Ok(stop) => stop,
        Err(e) => {
            eprintln!("error: cannot handle stop signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", sandbox.base_url());
    stop.wait().await;
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}

/// Writes the spec to stdout. A reader that closes the pipe early (`| head`) has what it wanted:
/// that ends the output quietly, with success, as `cat` does.
fn print_spec() -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(SPEC.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the spec to stdout: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Ctrl-C (SIGINT), or SIGTERM on Unix (what `kill`, systemd and container runtimes send).
struct StopSignal {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl StopSignal {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignal {
                int: signal(SignalKind::interrupt())?,
                term: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignal {})
    }

    async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
