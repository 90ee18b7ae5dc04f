//! The hand-written client: configuration, the key, retries, and typed results.

use std::{
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{HeaderValue, USER_AGENT};
use tracing::Instrument;
use uuid::Uuid;

use crate::{
    ApiKey, ConfigError, Error, Response, ResponseMeta, RetryPolicy, UpdateBody, generated,
    lenient,
    response::{self, Head},
    types::{UserProfile, UserProfileResponse, UserProfileUpdate},
};

/// Where the real service lives.
pub const DEFAULT_BASE_URL: &str = "https://api.insighto.ai";
/// The default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("insighto-rust/", env!("CARGO_PKG_VERSION"));
/// Default time to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for a whole attempt (connect, send, receive the body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap on a response body; a profile is a few kilobytes.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Environment variable holding the API key.
pub const ENV_API_KEY: &str = "INSIGHTO_API_KEY";
/// Environment variable holding the base URL.
pub const ENV_BASE_URL: &str = "INSIGHTO_BASE_URL";

/// State the generated client carries for the hooks: the key and per-request settings.
#[derive(Debug, Clone)]
pub(crate) struct ClientState {
    key: ApiKey,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    user_agent: HeaderValue,
    max_response_bytes: usize,
}

/// A client for the Insighto user-profile API.
///
/// The key is set once and added to every request as the `api_key` query parameter.
/// Cloning is cheap and shares the connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use insighto::{Client, Patch, types::UserProfileUpdate};
///
/// let client = Client::from_env()?; // INSIGHTO_API_KEY, optional INSIGHTO_BASE_URL
/// let me = client.get_profile().await?;
/// println!("{:?} {:?}", me.first_name, me.email);
///
/// let updated = client
///     .update_my_profile(
///         UserProfileUpdate::builder()
///             .first_name(Patch::set("Ada"))
///             .phone(Patch::Clear),
///     )
///     .await?;
/// assert_eq!(updated.first_name.as_deref(), Some("Ada"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    generated: generated::Client,
    /// The caller's own user id, learnt on first need (a key belongs to one user).
    own_id: Arc<OnceLock<Uuid>>,
    /// Why https requests cannot be made, when the base URL is https and TLS could not
    /// be set up (see `tls.rs`).
    tls_unavailable: Option<Arc<str>>,
}

/// What a generated call fails with.
type GeneratedError = progenitor_client::Error<()>;
/// What a generated call gives.
type GeneratedResult<T> = Result<ResponseValue<T>, GeneratedError>;

/// Runs a generated call, and again (a new call, a new request) while an attempt fails
/// transiently, until an attempt is final; gives its result, and puts its response's head
/// (if one arrived) in `$head`. `$call` is evaluated once per attempt; the wait before the
/// next one comes from `exec` (see [`attempt`]) or [`Client::wait_before_retry`].
///
/// Retrying above the generated code rather than inside `exec` means the request is
/// never cloned in case of a retry: a retry builds it afresh, like the first attempt.
///
/// A macro rather than an `async fn`: the generated future (2 KiB and more) is then made
/// in place, inside the future of the public call, and pinned there; each `async fn`
/// between the two would hold it once more and copy it on every call. The head goes to
/// a variable of the caller's rather than into a tuple with the result, which would be
/// one more copy of the decoded value.
macro_rules! attempts {
    ($client:expr, $call:expr, $head:ident) => {{
        let mut retry = 0;
        loop {
            // The attempt's future and result end with this block, before the wait.
            let wait = {
                let mut slot = response::Attempt::new(retry);
                let result = response::scope(&mut slot, std::pin::pin!($call)).await;
                match $client.wait_before_retry(&result, &slot, retry) {
                    None => {
                        $head = slot.head();
                        break result;
                    }
                    Some(wait) => wait,
                }
            };
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }};
}

/// Runs a generated call (after [`Client::tls_ready`]), again while an attempt fails
/// transiently ([`attempts!`]), and gives its value (the head in `$head`) or returns the
/// [`Error`]. Failures are settled in a separate (boxed) future that a successful call
/// never builds.
macro_rules! run {
    ($client:expr, $call:expr, $head:ident) => {{
        $client.tls_ready()?;
        match attempts!($client, $call, $head) {
            Ok(value) => value.into_inner(),
            // Boxed: the failure path's future would otherwise enlarge every call's.
            Err(e) => Box::pin($client.recover(e, &mut $head)).await?,
        }
    }};
}

impl Client {
    /// A client for the real service with the default settings.
    pub fn new(api_key: impl AsRef<str>) -> Result<Self, ConfigError> {
        Self::builder(api_key).build()
    }

    /// A client configured from `INSIGHTO_API_KEY` and, if set, `INSIGHTO_BASE_URL`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let key = env_var(ENV_API_KEY)?.ok_or(ConfigError::MissingApiKey)?;
        let mut builder = Self::builder(key);
        if let Some(url) = env_var(ENV_BASE_URL)? {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// A client configured from the config file that `insighto login` writes (see
    /// [`config`](crate::config)): its key and, if set, its base URL. The environment is
    /// not read; [`from_env_or_config`](Self::from_env_or_config) reads both.
    #[cfg(feature = "config-file")]
    #[cfg_attr(docsrs, doc(cfg(feature = "config-file")))]
    pub fn from_config_file() -> Result<Self, ConfigError> {
        use crate::config::ConfigFile;
        let path = ConfigFile::default_path()?;
        let file = ConfigFile::load(&path)?.unwrap_or_default();
        let key = file.api_key.ok_or(ConfigError::NoKeyInConfigFile(path))?;
        let url = file.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        ClientBuilder::new(Ok(key)).base_url(url).build()
    }

    /// A client configured like the `insighto` CLI: `INSIGHTO_API_KEY` and
    /// `INSIGHTO_BASE_URL` where set, else the config file, else the default base URL
    /// (see [`Settings`](crate::config::Settings)).
    #[cfg(feature = "config-file")]
    #[cfg_attr(docsrs, doc(cfg(feature = "config-file")))]
    pub fn from_env_or_config() -> Result<Self, ConfigError> {
        crate::config::Settings::load(None, None)?
            .client_builder()?
            .build()
    }

    /// Starts configuring a client.
    pub fn builder(api_key: impl AsRef<str>) -> ClientBuilder {
        ClientBuilder::new(ApiKey::new(api_key))
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.generated.baseurl()
    }

    /// Gets the caller's profile (`GET /api/v1/user`).
    pub async fn get_profile(&self) -> Result<UserProfile, Error> {
        let mut head;
        let envelope = run!(self, self.generated.get_user_profile().send(), head);
        self.remember(&envelope);
        Ok(envelope.data)
    }

    /// Gets the caller's profile with the whole envelope (`message`, `meta`).
    pub async fn get_profile_response(&self) -> Result<UserProfileResponse, Error> {
        let mut head;
        let envelope = run!(self, self.generated.get_user_profile().send(), head);
        self.remember(&envelope);
        Ok(envelope)
    }

    /// Like [`get_profile_response`](Self::get_profile_response), with the response's
    /// status and headers (request id, rate-limit headers), from the same request.
    pub async fn get_profile_with_response(&self) -> Result<Response<UserProfileResponse>, Error> {
        let mut head;
        let envelope = run!(self, self.generated.get_user_profile().send(), head);
        self.remember(&envelope);
        Ok(self.with_meta(envelope, head))
    }

    /// Keeps the caller's id from a profile it read (see [`own_id`](Self::own_id)).
    fn remember(&self, envelope: &UserProfileResponse) {
        let _ = self.own_id.set(envelope.data.id);
    }

    /// Updates the profile `user_id` (`PUT /api/v1/user/{user_id}`) and returns it.
    ///
    /// Only the caller's own profile may be updated unless the caller is a superuser.
    /// `update` is a [`UserProfileUpdate`](crate::types::UserProfileUpdate), a reference to one, or its builder
    /// (`UserProfileUpdate::builder().first_name(Patch::set("Ada"))`); a builder whose
    /// conversion fails gives [`Error::InvalidRequest`] without sending anything.
    pub async fn update_profile(
        &self,
        user_id: Uuid,
        update: impl UpdateBody,
    ) -> Result<UserProfile, Error> {
        let update = self.checked(update)?;
        let mut head;
        Ok(run!(self, self.put(user_id, &update), head).data)
    }

    /// Like [`update_profile`](Self::update_profile), returning the whole envelope.
    pub async fn update_profile_response(
        &self,
        user_id: Uuid,
        update: impl UpdateBody,
    ) -> Result<UserProfileResponse, Error> {
        let update = self.checked(update)?;
        let mut head;
        Ok(run!(self, self.put(user_id, &update), head))
    }

    /// Like [`update_profile_response`](Self::update_profile_response), with the
    /// response's status and headers, from the same request.
    pub async fn update_profile_with_response(
        &self,
        user_id: Uuid,
        update: impl UpdateBody,
    ) -> Result<Response<UserProfileResponse>, Error> {
        let update = self.checked(update)?;
        let mut head;
        let envelope = run!(self, self.put(user_id, &update), head);
        Ok(self.with_meta(envelope, head))
    }

    /// The update to send; a builder that cannot produce one is refused here, before
    /// anything is sent.
    ///
    /// A value the service could not store (a date-time outside years 1-9999) fails to
    /// serialize: the generated call then fails before sending ([`Error::InvalidRequest`],
    /// see `Error::from_generated`), and [`update_my_profile`](Self::update_my_profile)
    /// checks it before the `GET` it may need first ([`checked_before_own_id`](Self::checked_before_own_id)).
    fn checked(&self, update: impl UpdateBody) -> Result<UserProfileUpdate, Error> {
        update
            .into_update()
            .map_err(|e| Error::InvalidRequest(self.generated.inner().key.redact(&e)))
    }

    /// [`checked`](Self::checked), and while the caller's id is unknown (its `GET` would
    /// come first) also fails as the generated call would if `update` cannot be
    /// serialized (serializing into nothing, without keeping the bytes).
    fn checked_before_own_id(&self, update: impl UpdateBody) -> Result<UserProfileUpdate, Error> {
        let update = self.checked(update)?;
        if self.own_id.get().is_none() {
            serde_json::to_writer(std::io::sink(), &update).map_err(|e| {
                Error::InvalidRequest(self.generated.inner().key.redact(&e.to_string()))
            })?;
        }
        Ok(update)
    }

    /// The generated `PUT` of `update`, lent to it: each attempt serializes the same
    /// value, none copies it.
    fn put<'a>(
        &'a self,
        user_id: Uuid,
        update: &'a UserProfileUpdate,
    ) -> impl Future<Output = GeneratedResult<UserProfileResponse>> + 'a {
        self.generated
            .update_user_profile()
            .user_id(user_id)
            .body_ref(update)
            .send()
    }

    /// Updates the caller's own profile without knowing its id: the id is read with
    /// one `GET` the first time and remembered.
    pub async fn update_my_profile(&self, update: impl UpdateBody) -> Result<UserProfile, Error> {
        let update = self.checked_before_own_id(update)?;
        let id = self.own_id().await?;
        let mut head;
        Ok(run!(self, self.put(id, &update), head).data)
    }

    /// Like [`update_my_profile`](Self::update_my_profile), returning the envelope with
    /// the status and headers of the `PUT`.
    pub async fn update_my_profile_with_response(
        &self,
        update: impl UpdateBody,
    ) -> Result<Response<UserProfileResponse>, Error> {
        let update = self.checked_before_own_id(update)?;
        let id = self.own_id().await?;
        let mut head;
        let envelope = run!(self, self.put(id, &update), head);
        Ok(self.with_meta(envelope, head))
    }

    /// The caller's own id. A profile that holds a value this client cannot decode (a
    /// date-time out of range, say) still yields its id, so that an update can repair it.
    async fn own_id(&self) -> Result<Uuid, Error> {
        if let Some(id) = self.own_id.get() {
            return Ok(*id);
        }
        self.tls_ready()?;
        let head;
        let id = match attempts!(self, self.generated.get_user_profile().send(), head) {
            Ok(value) => value.into_inner().data.id,
            Err(progenitor_client::Error::InvalidResponsePayload(body, e)) => {
                let id = lenient::decode::<UserProfileResponse>(&body)
                    .map(|envelope| envelope.data.id)
                    .or_else(|| lenient::profile_id(&body));
                match id {
                    Some(id) => id,
                    None => {
                        let e = progenitor_client::Error::InvalidResponsePayload(body, e);
                        return Err(self.error(e, head).await);
                    }
                }
            }
            Err(e) => return Err(self.error(e, head).await),
        };
        let _ = self.own_id.set(id);
        Ok(id)
    }

    /// The wait before another attempt, if the one just made (`result`, `slot`; retry
    /// number `retry`) failed transiently: as `exec` decided, or for a body lost while the
    /// generated code read it (`exec` left it unread; a body `exec` read itself fails here
    /// only past the size limit, for good).
    fn wait_before_retry<T>(
        &self,
        result: &GeneratedResult<T>,
        slot: &response::Attempt,
        retry: u32,
    ) -> Option<Duration> {
        if slot.again.is_some() {
            return slot.again;
        }
        match result {
            Err(progenitor_client::Error::ResponseBodyError(e)) if slot.body_unread => {
                let state = self.generated.inner();
                let wait = state.retry.after_body_error(retry)?;
                tracing::debug!(
                    attempt = retry + 1,
                    why = %state.key.redact(&e.to_string()),
                    wait_ms = wait.as_millis() as u64,
                    "retrying"
                );
                Some(wait)
            }
            _ => None,
        }
    }

    /// The outcome of a generated call that did not give a value: a body the generated
    /// decoder refused gets a second, forgiving read (see [`lenient`]) before it is an
    /// error. (Only failures come here, so a successful call never builds this future.)
    async fn recover<T: serde::de::DeserializeOwned>(
        &self,
        e: GeneratedError,
        head: &mut Option<Box<Head>>,
    ) -> Result<T, Error> {
        match e {
            progenitor_client::Error::InvalidResponsePayload(body, e) => {
                match lenient::decode(&body) {
                    Some(value) => Ok(value),
                    None => {
                        let e = progenitor_client::Error::InvalidResponsePayload(body, e);
                        Err(self.error(e, head.take()).await)
                    }
                }
            }
            e => Err(self.error(e, head.take()).await),
        }
    }

    /// Fails before anything is sent when the request would need TLS that could not be
    /// set up (a generated call is a future: nothing has happened before it is awaited).
    fn tls_ready(&self) -> Result<(), Error> {
        match &self.tls_unavailable {
            Some(reason) => Err(Error::TlsUnavailable {
                reason: reason.to_string(),
            }),
            None => Ok(()),
        }
    }

    async fn error(&self, e: GeneratedError, head: Option<Box<Head>>) -> Error {
        Error::from_generated(e, head, &self.generated.inner().key).await
    }

    fn with_meta<T>(&self, value: T, head: Option<Box<Head>>) -> Response<T> {
        // A value always comes with a head; the fallback only keeps this total.
        let head = head.unwrap_or_else(|| {
            Box::new(Head {
                status: reqwest::StatusCode::OK,
                headers: Default::default(),
                operation: "",
            })
        });
        let meta = ResponseMeta::new(head, &self.generated.inner().key);
        Response::new(value, meta)
    }
}

pub(crate) fn env_var(name: &'static str) -> Result<Option<String>, ConfigError> {
    match std::env::var(name) {
        Ok(v) if v.is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::NotUnicode(name)),
    }
}

/// Configures a [`Client`].
///
/// ```
/// use std::time::Duration;
/// let client = insighto::Client::builder("in-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG")
///     .base_url("http://127.0.0.1:8000/")
///     .timeout(Duration::from_secs(5))
///     .retry(insighto::RetryPolicy::none())
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url(), "http://127.0.0.1:8000");
/// assert!(!format!("{client:?}").contains("0123456789"));
/// ```
#[must_use]
pub struct ClientBuilder {
    key: Result<ApiKey, ConfigError>,
    base_url: String,
    connect_timeout: Duration,
    timeout: Option<Duration>,
    user_agent: String,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    max_response_bytes: usize,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("key", &self.key)
            .field("base_url", &shown_url(&self.base_url))
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("http", &self.http.as_ref().map(|_| "caller-provided"))
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl ClientBuilder {
    fn new(key: Result<ApiKey, ConfigError>) -> Self {
        Self {
            key,
            base_url: DEFAULT_BASE_URL.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: Some(DEFAULT_TIMEOUT),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            http: None,
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// The service's base URL, such as a sandbox's `http://127.0.0.1:8000`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Time allowed to establish a connection (ignored with [`http_client`](Self::http_client)).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for each attempt, from connecting to the last byte of the body.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// No per-attempt time limit (a caller-provided client's own limits still apply).
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// The `User-Agent` header; defaults to `insighto-rust/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// A `reqwest::Client` of the caller's (proxies, TLS roots, pools...).
    ///
    /// Beware: a client that follows redirects would send the key (in the URL) to the
    /// redirect target, and one with `connection_verbose(true)` logs request lines, key
    /// included; the client this crate builds itself does neither.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The retry policy; [`RetryPolicy::none`] turns retries off.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The largest response body accepted (default 16 MiB); a larger one is
    /// [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Validates the settings and builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let key = self.key?;
        let base_url = normalize_base_url(&self.base_url)?;
        if crate::tls::key_in_clear(&base_url) {
            tracing::warn!(
                base_url = %base_url,
                "plain http to another machine: the API key will travel unencrypted"
            );
        }
        let user_agent = HeaderValue::from_str(&self.user_agent).map_err(|_| {
            ConfigError::HttpClient("the user agent is not a valid header value".to_owned())
        })?;
        let (http, tls_unavailable) = match self.http {
            Some(http) => (http, None),
            None => {
                let built = crate::tls::default_http_client(self.connect_timeout)?;
                (built.http, built.tls_unavailable)
            }
        };
        // Only an https base URL needs TLS; plain http (a sandbox) works without it.
        let tls_unavailable = tls_unavailable
            .filter(|_| base_url.starts_with("https:"))
            .map(Arc::from);
        let state = ClientState {
            key,
            retry: self.retry,
            timeout: self.timeout,
            user_agent,
            max_response_bytes: self.max_response_bytes,
        };
        Ok(Client {
            generated: generated::Client::new_with_client(&base_url, http, state),
            own_id: Arc::new(OnceLock::new()),
            tls_unavailable,
        })
    }
}

/// Checks the URL and drops trailing slashes so paths never start with `//`.
pub(crate) fn normalize_base_url(url: &str) -> Result<String, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        url: shown_url(url),
        reason: reason.to_owned(),
    };
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid("it must not carry credentials"));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// A URL as it may be shown: without credentials or query, which could hold secrets
/// (a key pasted into the base URL by mistake, say); text that is no URL at all (a key
/// pasted in the wrong place?) is not shown.
pub(crate) fn shown_url(url: &str) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or_default();
    match without_query.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://[REDACTED]@{host}"),
            None => without_query.to_owned(),
        },
        None => NOT_A_URL.to_owned(),
    }
}

/// What is shown in place of a base URL that is not a URL.
const NOT_A_URL: &str = "(not shown: not a URL)";

impl ClientHooks<ClientState> for generated::Client {
    /// Adds the key (once), the user agent and the timeout to every request.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let state = self.inner();
        request
            .url_mut()
            .query_pairs_mut()
            .append_pair("api_key", state.key.expose());
        request
            .headers_mut()
            .entry(USER_AGENT)
            .or_insert_with(|| state.user_agent.clone());
        if let Some(timeout) = state.timeout {
            request.timeout_mut().get_or_insert(timeout);
        }
        Ok(())
    }

    /// Makes one attempt: sends the request and reads the body of a final response. A
    /// transient failure is handed back as it is, with the wait before the next attempt
    /// in the call's slot ([`attempts!`] makes that attempt).
    fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
        traced(self.client(), request, self.inner(), info.operation_id)
    }
}

/// [`attempt`] inside a `tracing` span that records the path only.
async fn traced(
    http: &reqwest::Client,
    request: reqwest::Request,
    state: &ClientState,
    operation: &'static str,
) -> reqwest::Result<reqwest::Response> {
    // What an error status means depends on the operation (`error_class`).
    response::operation(operation);
    let span = tracing::info_span!(
        "insighto.request",
        operation,
        method = %request.method(),
        // The path only: the query holds the key.
        path = request.url().path(),
        attempts = tracing::field::Empty,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    if span.is_disabled() {
        // Nobody listens: skip entering the span on every poll and the records.
        return attempt(http, request, state, false).await;
    }
    let started = Instant::now();
    let outcome = attempt(http, request, state, true)
        .instrument(span.clone())
        .await;
    span.record("latency_ms", started.elapsed().as_millis() as u64);
    if let Ok(response) = &outcome {
        span.record("status", response.status().as_u16());
    }
    outcome
}

/// One attempt: send, and on a final response read its body too, so that a connection
/// lost mid-body is retried like any other transient failure. When the [`RetryPolicy`]
/// allows another attempt, the wait goes to the call's slot ([`response::again`]) and
/// the failure (an error, or the response with a retryable status) is returned as is.
///
/// `in_span`: whether a subscriber listens to the span this runs in (`traced`); the
/// clock is read only for a debug event someone listens to.
async fn attempt(
    http: &reqwest::Client,
    request: reqwest::Request,
    state: &ClientState,
    in_span: bool,
) -> reqwest::Result<reqwest::Response> {
    let policy = &state.retry;
    let retry = response::retry();
    let started = tracing::enabled!(tracing::Level::DEBUG).then(Instant::now);
    let outcome = match http.execute(request).await {
        Ok(mut response) => {
            let status = response.status();
            let wait = retry.and_then(|r| policy.after_status(r, status, response.headers()));
            let limit = state.max_response_bytes;
            match wait {
                Some(wait) => Outcome::Continue {
                    failure: Ok(response),
                    wait,
                },
                // A 200 (the status the generated code decodes) whose length is known and
                // within the limit, the usual case: hyper delivers no more than that
                // length, so the generated code reads the body itself, and a body lost on
                // the way is retried by `attempts!`.
                None if status == reqwest::StatusCode::OK
                    && response.content_length().is_some_and(|n| n <= limit as u64) =>
                {
                    response::stash(status, response.headers_mut(), true);
                    Outcome::Stop(Ok(response))
                }
                // Boxed: the rarer path keeps this future (part of every call's) small.
                None => match Box::pin(buffer(response, limit)).await {
                    Ok(response) => Outcome::Stop(Ok(response)),
                    // Losing the body is a transport failure, whatever reqwest calls it.
                    Err(error) => {
                        let wait = retry.and_then(|r| policy.after_body_error(r));
                        Outcome::after(error, wait)
                    }
                },
            }
        }
        Err(error) => {
            let wait = retry.and_then(|r| policy.after_error(r, &error));
            Outcome::after(error, wait)
        }
    };
    let latency_ms = started.map_or(0, |t| t.elapsed().as_millis() as u64);
    let attempt = retry.unwrap_or(0) + 1;
    match outcome {
        Outcome::Continue { failure, wait } => {
            tracing::debug!(
                attempt,
                latency_ms,
                why = %why(&failure, &state.key),
                wait_ms = wait.as_millis() as u64,
                "retrying"
            );
            response::again(wait);
            failure
        }
        Outcome::Stop(done) => {
            if in_span {
                tracing::Span::current().record("attempts", attempt);
            }
            match &done {
                Ok(r) => tracing::debug!(
                    attempt,
                    status = r.status().as_u16(),
                    latency_ms,
                    "response"
                ),
                Err(e) => tracing::debug!(
                    attempt,
                    latency_ms,
                    error = %state.key.redact(&e.to_string()),
                    "request failed"
                ),
            }
            done
        }
    }
}

/// What one attempt decided.
enum Outcome {
    /// Final: the response (or error) goes to the generated code as it is.
    Stop(reqwest::Result<reqwest::Response>),
    /// Transient: the failure (an error, or a response with a retryable status) goes
    /// back as it is, and [`attempts!`] tries again after `wait`.
    Continue {
        failure: reqwest::Result<reqwest::Response>,
        wait: Duration,
    },
}

impl Outcome {
    /// A failed attempt: another one after `wait` if the policy allows it, else final.
    fn after(error: reqwest::Error, wait: Option<Duration>) -> Self {
        match wait {
            Some(wait) => Self::Continue {
                failure: Err(error),
                wait,
            },
            None => Self::Stop(Err(error)),
        }
    }
}

/// Why an attempt is retried, for the log (the key redacted). Called only inside the
/// `debug!` that shows it, so a call nobody traces never formats it.
fn why(failure: &reqwest::Result<reqwest::Response>, key: &crate::ApiKey) -> String {
    match failure {
        Ok(response) => format!("status {}", response.status()),
        Err(error) => key.redact(&error.to_string()),
    }
}

/// Reads the whole body (up to `limit` bytes) and hands back an equivalent response.
/// Past the limit, the body becomes an error that decoding reports as
/// [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge).
async fn buffer(response: reqwest::Response, limit: usize) -> reqwest::Result<reqwest::Response> {
    use http_body_util::BodyExt;
    use reqwest::ResponseBuilderExt;

    // reqwest's `Response` has no way to swap its body, so it goes through
    // `http::Response` and back. The URL does not survive that trip on its own (reqwest
    // would parse a placeholder URL for every response); it rides along as the extension
    // reqwest reads it from.
    let url = response.url().clone();
    let (mut parts, mut body) = http::Response::from(response).into_parts();
    // A body that arrives in one frame (the usual case) is neither copied nor collected.
    let mut first: Option<bytes::Bytes> = None;
    let mut more = bytes::BytesMut::new();
    let mut size = 0;
    let mut too_large = false;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            size += data.len();
            if size > limit {
                too_large = true;
                break;
            }
            match &first {
                None => first = Some(data),
                Some(head) => {
                    if more.is_empty() {
                        more.extend_from_slice(head);
                    }
                    more.extend_from_slice(&data);
                }
            }
        }
    }
    // The head goes to the call's slot; the generated code that decodes the body never
    // reads the headers.
    response::stash(parts.status, &mut parts.headers, false);
    let body = if too_large {
        let error: Result<bytes::Bytes, crate::error::BodyTooLarge> =
            Err(crate::error::BodyTooLarge { limit });
        reqwest::Body::wrap_stream(futures_util::stream::iter([error]))
    } else if !more.is_empty() {
        reqwest::Body::from(more.freeze())
    } else {
        reqwest::Body::from(first.unwrap_or_default())
    };
    // The connection's extensions are left behind: nothing after this reads them.
    let rebuilt = http::Response::builder()
        .status(parts.status)
        .version(parts.version)
        .url(url)
        .body(body)
        .expect("status and version come from a response");
    Ok(reqwest::Response::from(rebuilt))
}
