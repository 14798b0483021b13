//! The daemon's TOML configuration: the serde shape (`RawConfig`), validation into `Config`, and
//! `ConfigError`, which names the file, line, column and key of every problem.
//!
//! Loaded once at start. This module reads files but never opens the store or the network;
//! `frontlined --check-config` runs exactly this code (and `Profile::load`).

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use url::Url;

use crate::units::{ByteSize, Duration};

/// The config file used when `--config` is not given and `FRONTLINE_CONFIG` is not set, if it
/// exists (an installed system).
pub const SYSTEM_CONFIG: &str = "/etc/frontline/frontline.toml";
/// The config file used otherwise: the default config of a checkout.
pub const CHECKOUT_CONFIG: &str = "config/frontline.toml";

/// The config path both binaries use when none is given: `$FRONTLINE_CONFIG`, else
/// [`SYSTEM_CONFIG`] when it exists, else [`CHECKOUT_CONFIG`].
pub fn default_path() -> PathBuf {
    if let Some(p) = std::env::var_os("FRONTLINE_CONFIG").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    if Path::new(SYSTEM_CONFIG).exists() {
        return PathBuf::from(SYSTEM_CONFIG);
    }
    PathBuf::from(CHECKOUT_CONFIG)
}

/// A problem with a TOML file read at start (the config or the profile).
///
/// Handled by the binaries, which print it and exit 1; `--check-config` prints it too.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    #[error("cannot read {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why (not a `source`: the message already says it, and `{:#}` would repeat it).
        error: std::io::Error,
    },
    /// The file was read but something in it is wrong; `key` is the dotted path to the value
    /// (`feed[2].url`), empty when the TOML itself is malformed.
    #[error("{}", Located(self))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending text.
        line: usize,
        /// 1-based column (in characters) of the offending text.
        col: usize,
        /// Dotted key path, or empty for a syntax error.
        key: String,
        /// What is wrong, lower-case, no trailing period.
        message: String,
    },
}

// Formats `path:line:col: key: message`, the shape compilers use so editors can jump to it.
struct Located<'a>(&'a ConfigError);

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let ConfigError::Invalid {
            path,
            line,
            col,
            key,
            message,
        } = self.0
        {
            write!(f, "{}:{line}:{col}: ", path.display())?;
            if !key.is_empty() {
                write!(f, "{key}: ")?;
            }
            f.write_str(message)?;
        }
        Ok(())
    }
}

impl ConfigError {
    /// An `Invalid` error at byte `span` of `text` (the file's contents).
    pub fn at(
        path: &Path,
        text: &str,
        span: Option<Range<usize>>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let (line, col) = line_col(text, span.map(|s| s.start).unwrap_or(0));
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            col,
            key: key.into(),
            message: message.into(),
        }
    }
}

// 1-based line and column (in chars) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// Reads `path` and deserializes it, turning every error into a located `ConfigError`.
/// Returns the text too, so callers can locate their own validation errors.
pub fn load_toml<T: DeserializeOwned>(path: &Path) -> Result<(T, String), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    let value = parse_toml(path, &text)?;
    Ok((value, text))
}

/// Deserializes `text` (the contents of `path`), turning every error into a located
/// `ConfigError` with the dotted key of the offending value.
pub fn parse_toml<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, ConfigError> {
    let de = toml::Deserializer::parse(text).map_err(|e| {
        ConfigError::at(
            path,
            text,
            e.span(),
            "",
            format!("invalid TOML: {}", first_line(e.message())),
        )
    })?;
    serde_path_to_error::deserialize(de).map_err(|err| {
        let key = key_path(err.path());
        let inner = err.into_inner();
        ConfigError::at(path, text, inner.span(), key, first_line(inner.message()))
    })
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim_end_matches('.').to_string()
}

// The dotted key of a serde_path_to_error path (`feed[2].url`), without the private field name
// that `toml::Spanned` routes through, and empty at the root.
fn key_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } if key.starts_with("$__serde_spanned") => {}
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// The serde shape of the config file. Every table has defaults and rejects unknown keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    /// `[store]`
    pub store: RawStore,
    /// `[api]`
    pub api: RawApi,
    /// `[profile]`
    pub profile: RawProfileRef,
    /// `[poll]`
    pub poll: RawPoll,
    /// `[[feed]]`
    #[serde(rename = "feed")]
    pub feeds: Vec<RawFeed>,
}

/// `[store]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawStore {
    /// The sled directory; relative paths are relative to the config file.
    pub path: PathBuf,
    /// sled's page cache; sled's own default is 1 GiB, far more than a feed log needs.
    pub cache: ByteSize,
}

impl Default for RawStore {
    fn default() -> Self {
        RawStore {
            path: PathBuf::from("/var/lib/frontline"),
            cache: ByteSize::mib(64),
        }
    }
}

/// `[api]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawApi {
    /// The Unix socket the daemon will serve its API on.
    pub socket: PathBuf,
    /// Also serve the API on this loopback TCP address (`127.0.0.1:7878`); off by default.
    pub listen: Option<Spanned<std::net::SocketAddr>>,
}

impl Default for RawApi {
    fn default() -> Self {
        RawApi {
            socket: PathBuf::from("/run/frontline/api.sock"),
            listen: None,
        }
    }
}

/// `[profile]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawProfileRef {
    /// The conflict profile; relative paths are relative to the config file.
    pub path: PathBuf,
}

impl Default for RawProfileRef {
    fn default() -> Self {
        RawProfileRef {
            path: PathBuf::from("profiles/nagorno-karabakh.toml"),
        }
    }
}

/// `[poll]`: defaults for every feed, and the fetcher's limits.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawPoll {
    /// How often each feed is polled unless it says otherwise.
    pub interval: Spanned<Duration>,
    /// How many polls may run at once.
    pub concurrency: Spanned<usize>,
    /// Wall-clock deadline for one fetch, body included.
    pub timeout: Spanned<Duration>,
    /// Deadline for establishing a connection.
    pub connect_timeout: Spanned<Duration>,
    /// Largest body accepted, counted after decompression.
    pub max_body: Spanned<ByteSize>,
    /// Most redirects followed for one fetch.
    pub max_redirects: usize,
    /// A URL or address publishers can reach the operator at; sent in the User-Agent.
    pub contact: String,
    /// No feed is polled more often than this, whatever its interval.
    pub min_interval: Spanned<Duration>,
    /// Backoff after failures never waits longer; failing and gone feeds are probed this often.
    pub max_backoff: Spanned<Duration>,
    /// Requests at once to one host (scheme, host, port).
    pub host_concurrency: Spanned<usize>,
    /// Least time between the starts of two requests to one host.
    pub host_spacing: Spanned<Duration>,
    /// Whom a 429 or 503 with `Retry-After` pauses: every feed on the host, or only that feed.
    pub retry_after_scope: RetryScope,
    /// A feed answering nothing but 404 for this long is marked gone.
    pub gone_after: Spanned<Duration>,
    /// Most entries read from one document (the rest are ignored).
    pub max_entries: Spanned<usize>,
    /// Proxy for every request (`http://host:port`, `socks5://...`); else `HTTPS_PROXY` etc.
    pub proxy: Option<Spanned<String>>,
}

/// Whom a `Retry-After` pauses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RetryScope {
    /// Every feed on the host (the server is telling the client to slow down).
    #[default]
    Host,
    /// Only the feed that got it.
    Feed,
}

impl Default for RawPoll {
    fn default() -> Self {
        RawPoll {
            interval: Spanned::new(0..0, Duration::from_secs(15 * 60)),
            concurrency: Spanned::new(0..0, 16),
            timeout: Spanned::new(0..0, Duration::from_secs(30)),
            connect_timeout: Spanned::new(0..0, Duration::from_secs(10)),
            max_body: Spanned::new(0..0, ByteSize::mib(10)),
            max_redirects: 5,
            contact: String::new(),
            min_interval: Spanned::new(0..0, Duration::from_secs(5 * 60)),
            max_backoff: Spanned::new(0..0, Duration::from_secs(6 * 3600)),
            host_concurrency: Spanned::new(0..0, 1),
            host_spacing: Spanned::new(0..0, Duration::from_secs(2)),
            retry_after_scope: RetryScope::Host,
            gone_after: Spanned::new(0..0, Duration::from_secs(7 * 24 * 3600)),
            max_entries: Spanned::new(0..0, 2000),
            proxy: None,
        }
    }
}

/// One `[[feed]]`. `name` and `url` are required.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeed {
    /// Display name.
    pub name: Spanned<String>,
    /// Stable id used in article identity; defaults to a slug of the name.
    pub id: Option<Spanned<String>>,
    /// `http(s)://` or `file:` URL; relative `file:` URLs are relative to the config file.
    pub url: Spanned<String>,
    /// Overrides `[poll] interval`.
    pub interval: Option<Spanned<Duration>>,
    /// Overrides `[poll] timeout`.
    pub timeout: Option<Duration>,
    /// Overrides `[poll] max_body`.
    pub max_body: Option<ByteSize>,
}

/// The validated configuration: paths resolved, per-feed defaults filled in.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was loaded from.
    pub source: PathBuf,
    /// Where and how the store lives.
    pub store: StoreConfig,
    /// The API socket.
    pub socket: PathBuf,
    /// The loopback TCP address the API also listens on, if any.
    pub listen: Option<std::net::SocketAddr>,
    /// The profile file (resolved).
    pub profile_path: PathBuf,
    /// Fetcher limits shared by all feeds.
    pub poll: PollConfig,
    /// The feeds, in file order.
    pub feeds: Vec<FeedConfig>,
}

/// `[store]`, resolved.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The sled directory.
    pub path: PathBuf,
    /// sled's page cache size in bytes.
    pub cache: ByteSize,
}

/// `[poll]`, validated.
#[derive(Debug, Clone)]
pub struct PollConfig {
    /// How many polls may run at once (at least 1).
    pub concurrency: usize,
    /// Connection deadline.
    pub connect_timeout: std::time::Duration,
    /// Most redirects followed.
    pub max_redirects: usize,
    /// The User-Agent sent with every request.
    pub user_agent: String,
    /// The floor under every feed's schedule.
    pub min_interval: std::time::Duration,
    /// The cap on backoff.
    pub max_backoff: std::time::Duration,
    /// Requests at once per host.
    pub host_concurrency: usize,
    /// Least time between two requests to one host.
    pub host_spacing: std::time::Duration,
    /// Whom a `Retry-After` pauses.
    pub retry_after_scope: RetryScope,
    /// 404s for this long: gone.
    pub gone_after: std::time::Duration,
    /// Most entries read from one document.
    pub max_entries: usize,
    /// Proxy for every request, if set.
    pub proxy: Option<Url>,
}

/// One feed, with every default filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedConfig {
    /// Stable id (`[a-z0-9-]+`), part of every article's identity.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Where to fetch it (http, https or file).
    pub url: Url,
    /// Time between polls.
    pub interval: std::time::Duration,
    /// Wall-clock deadline for one fetch.
    pub timeout: std::time::Duration,
    /// Body cap in bytes.
    pub max_body: u64,
    /// Most entries read from one document.
    pub max_entries: usize,
}

const MIN_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);
const MIN_BODY: u64 = 1024;

impl Config {
    /// Loads and validates the config file at `path`. The profile is loaded separately
    /// (`Profile::load(&config.profile_path)`), so that a broken profile never stops a user from
    /// reading the log.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let (raw, text) = load_toml::<RawConfig>(path)?;
        Config::validate(raw, path, &text)
    }

    /// Resolves and checks `raw`, read from `path` whose contents are `text`.
    pub fn validate(raw: RawConfig, path: &Path, text: &str) -> Result<Config, ConfigError> {
        let err = |span: Range<usize>, key: &str, msg: String| ConfigError::at(path, text, Some(span), key, msg);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let poll = &raw.poll;
        // The API has no authentication: only this machine may reach it.
        if let Some(listen) = &raw.api.listen
            && !listen.get_ref().ip().is_loopback()
        {
            let msg = format!(
                "{} is not a loopback address; the API has no authentication, so use 127.0.0.1 or [::1]",
                listen.get_ref()
            );
            return Err(err(listen.span(), "api.listen", msg));
        }

        for (key, n) in [
            ("poll.concurrency", &poll.concurrency),
            ("poll.host_concurrency", &poll.host_concurrency),
            ("poll.max_entries", &poll.max_entries),
        ] {
            if *n.get_ref() == 0 {
                return Err(err(n.span(), key, "must be at least 1".into()));
            }
        }
        if poll.max_backoff.get_ref().get() < poll.min_interval.get_ref().get() {
            return Err(err(
                poll.max_backoff.span(),
                "poll.max_backoff",
                format!("must be at least poll.min_interval ({})", poll.min_interval.get_ref()),
            ));
        }
        let proxy = match &poll.proxy {
            None => None,
            Some(p) => Some(
                Url::parse(p.get_ref())
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https" | "socks5" | "socks5h"))
                    .ok_or_else(|| {
                        err(
                            p.span(),
                            "poll.proxy",
                            format!(
                                "{:?} is not a proxy URL; write it like \"http://proxy.example:3128\"",
                                p.get_ref()
                            ),
                        )
                    })?,
            ),
        };
        for (key, d) in [
            ("poll.timeout", &poll.timeout),
            ("poll.connect_timeout", &poll.connect_timeout),
        ] {
            if d.get_ref().get().is_zero() {
                return Err(err(d.span(), key, "must be longer than zero".into()));
            }
        }
        check_interval(&poll.interval, "poll.interval").map_err(|(s, k, m)| err(s, &k, m))?;
        if poll.max_body.get_ref().bytes() < MIN_BODY {
            return Err(err(
                poll.max_body.span(),
                "poll.max_body",
                format!("must be at least {MIN_BODY} bytes"),
            ));
        }

        let base = dir_url(&dir);
        let mut feeds: Vec<FeedConfig> = Vec::with_capacity(raw.feeds.len());
        for (i, f) in raw.feeds.iter().enumerate() {
            let key = |field: &str| format!("feed[{i}].{field}");
            let name = f.name.get_ref().trim();
            if name.is_empty() {
                return Err(err(f.name.span(), &key("name"), "must not be empty".into()));
            }
            if let Some(other) = feeds.iter().find(|o| o.name == name) {
                return Err(err(
                    f.name.span(),
                    &key("name"),
                    format!("{name:?} is already the name of feed {:?}", other.id),
                ));
            }
            let (id, id_span) = match &f.id {
                Some(id) => (id.get_ref().clone(), id.span()),
                None => (slug(name), f.name.span()),
            };
            if !is_valid_id(&id) {
                let msg = match &f.id {
                    Some(_) => format!("{id:?} is not a valid id: use lower-case ASCII letters, digits and '-'"),
                    None => format!(
                        "cannot derive an id from the name {name:?}: add `id = \"...\"` (lower-case ASCII letters, digits and '-')"
                    ),
                };
                return Err(err(id_span, &key("id"), msg));
            }
            if feeds.iter().any(|o| o.id == id) {
                return Err(err(
                    id_span,
                    &key("id"),
                    format!("id {id:?} is used by two feeds; give one of them its own `id`"),
                ));
            }
            let url = parse_feed_url(f.url.get_ref(), base.as_ref()).map_err(|m| err(f.url.span(), &key("url"), m))?;
            let interval = match &f.interval {
                Some(iv) => {
                    check_interval(iv, &key("interval")).map_err(|(s, k, m)| err(s, &k, m))?;
                    iv.get_ref().get()
                }
                None => poll.interval.get_ref().get(),
            };
            feeds.push(FeedConfig {
                id,
                name: name.to_string(),
                url,
                interval,
                timeout: f.timeout.unwrap_or(*poll.timeout.get_ref()).get(),
                max_body: f.max_body.unwrap_or(*poll.max_body.get_ref()).bytes().max(MIN_BODY),
                max_entries: *poll.max_entries.get_ref(),
            });
        }

        let version = env!("CARGO_PKG_VERSION");
        let contact = poll.contact.trim();
        let user_agent = if contact.is_empty() {
            format!("frontline/{version}")
        } else {
            format!("frontline/{version} (+{contact})")
        };

        Ok(Config {
            source: path.to_path_buf(),
            store: StoreConfig {
                path: dir.join(&raw.store.path),
                cache: raw.store.cache,
            },
            socket: dir.join(&raw.api.socket),
            listen: raw.api.listen.as_ref().map(|l| *l.get_ref()),
            profile_path: dir.join(&raw.profile.path),
            poll: PollConfig {
                concurrency: *poll.concurrency.get_ref(),
                connect_timeout: poll.connect_timeout.get_ref().get(),
                max_redirects: poll.max_redirects,
                user_agent,
                min_interval: poll.min_interval.get_ref().get(),
                max_backoff: poll.max_backoff.get_ref().get(),
                host_concurrency: *poll.host_concurrency.get_ref(),
                host_spacing: poll.host_spacing.get_ref().get(),
                retry_after_scope: poll.retry_after_scope,
                gone_after: poll.gone_after.get_ref().get(),
                max_entries: *poll.max_entries.get_ref(),
                proxy,
            },
            feeds,
        })
    }
}

fn check_interval(iv: &Spanned<Duration>, key: &str) -> Result<(), (Range<usize>, String, String)> {
    if iv.get_ref().get() < MIN_INTERVAL {
        return Err((
            iv.span(),
            key.to_string(),
            format!("must be at least {}", Duration(MIN_INTERVAL)),
        ));
    }
    Ok(())
}

// The config directory as a `file:` URL ending in '/', the base for relative `file:` feed URLs.
fn dir_url(dir: &Path) -> Option<Url> {
    let abs = std::path::absolute(dir).ok()?;
    Url::from_directory_path(abs).ok()
}

/// A feed URL as the config takes it: http(s) with a host, or `file:` (relative ones resolved
/// against `base`, the config directory).
pub fn parse_feed_url(s: &str, base: Option<&Url>) -> Result<Url, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    // Only `file:` URLs may be relative; a scheme-less "oc-media.org/feed" is a typo, not a path.
    let url = match Url::parse(s) {
        Ok(u) if u.scheme() == "file" && !s.starts_with("file://") => {
            let base =
                base.ok_or_else(|| format!("cannot resolve relative URL {s:?}: the config directory is unknown"))?;
            base.join(s).map_err(|e| format!("invalid URL {s:?}: {e}"))?
        }
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            return Err(format!(
                "{s:?} is not a URL: write it with its scheme, like \"https://{s}\" or \"file:{s}\""
            ));
        }
        Err(e) => return Err(format!("invalid URL {s:?}: {e}")),
    };
    match url.scheme() {
        "http" | "https" if url.host_str().is_some() => Ok(url),
        "http" | "https" => Err(format!("URL {s:?} has no host")),
        "file" => Ok(url),
        other => Err(format!(
            "unsupported URL scheme {other:?} in {s:?}: use http, https or file"
        )),
    }
}

/// True for ids made of lower-case ASCII letters, digits and inner hyphens.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && !id.starts_with('-')
        && !id.ends_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A lower-case ASCII slug of `name` ("OC Media" → "oc-media"); empty when nothing is ASCII.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests;
