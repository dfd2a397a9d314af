//! The one path every call takes: builder → typed request → [`Request`] → HTTP attempts →
//! typed response.
//!
//! An operation (`createPerson`, `getCustomer`, …) is a small declaration, an [`Operation`]:
//! its operation id, method, whether it carries an idempotency key, the generated call that
//! makes one attempt, and the facade type its answer converts into. Everything else is here,
//! once: the per-call options, the idempotency key (fixed once, before the first attempt, and
//! sent by every attempt), the attempt loop with its timeouts and back-off, the replay-safety
//! rule, the `synctera.call` tracing span, and the mapping of responses and errors.
//!
//! ```
//! # async fn f(client: synctera::Client) -> Result<(), synctera::Error> {
//! use std::time::Duration;
//! use synctera::{NewPerson, RetryPolicy};
//! let person = client
//!     .persons()
//!     .create(NewPerson::prospect().email("anne.baker@example.com"))
//!     .idempotency_key("signup-42".parse()?)
//!     .retry_policy(RetryPolicy::default().max_retries(5))
//!     .timeout(Duration::from_secs(10))
//!     .await?;
//! # let _ = person; Ok(()) }
//! ```

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use progenitor_client::ResponseValue;
use synctera_raw::types::Problem;

use crate::error::Error;
use crate::transport::client::Client;
use crate::transport::retry::{CallInfo, IdempotencyKey, RetryPolicy};

mod attempt_timer;
mod attempts;
pub mod client;
pub mod pagination;
pub mod retry;
use attempts::{execute, record_response};

/// What one attempt of a generated call returns.
pub type RawResult<R> = Result<ResponseValue<R>, progenitor_client::Error<Problem>>;

pub(crate) mod sealed {
    /// Keeps [`super::Operation`] this crate's own: the transport's guarantees (replay safety,
    /// redaction) hold only for the operations declared here.
    pub trait Sealed {}
}

/// One API operation, as the transport needs to know it. Implemented by this crate's
/// operations only; you meet it as the type parameter of [`Request`].
pub trait Operation: sealed::Sealed + Send + Sync + Sized + 'static {
    /// The API's operation id, e.g. `"createPerson"` (the tracing span's `operation_id`).
    const ID: &'static str;
    /// The HTTP method.
    const METHOD: http::Method;
    /// Whether the operation takes an `Idempotency-Key`.
    const KEYED: bool;
    /// Whether sending the same request twice has the effect of sending it once without a key:
    /// true for reads and full replaces, false for a `PUT` such as `replaceSecret` that acts
    /// anew each time (see [`CallInfo::repeatable`](crate::retry::CallInfo::repeatable)).
    const REPEATABLE: bool;
    /// The generated response type.
    type Raw: Send + 'static;
    /// The facade type the response converts into, field by field.
    type Output: From<Self::Raw> + Send + 'static;
    /// Makes one attempt through the generated client; `key` is `Some` exactly when
    /// [`Self::KEYED`].
    fn attempt<'a>(
        &'a self,
        raw: &'a synctera_raw::Client,
        key: Option<&'a str>,
    ) -> impl Future<Output = RawResult<Self::Raw>> + Send + 'a;
}

/// Declares an operation: the type [`Request`] carries (its inputs as tuple fields, `self.0`,
/// `self.1`, …), the HTTP method and operation id, `keyed` if it takes an idempotency key (or
/// `once` for an unkeyed `GET`/`PUT` that must not be sent twice), the generated response type
/// and the facade type it converts into, and the generated call that makes one attempt (without
/// its `.send()`; the key is added here).
///
/// A request body is an input as `Box<types::…Request>`: the request, and the future of its
/// call, hold their inputs for the whole call, and every move copies them (a person body is
/// ~0.6 KB).
///
/// ```text
/// operation! {
///     /// The `getPerson` operation, made by [`Persons::get`].
///     GetPerson(uuid::Uuid) = GET "getPerson", types::Person => Person,
///     |op, raw| raw.get_person().person_id(op.0)
/// }
/// ```
macro_rules! operation {
    (
        $(#[$doc:meta])*
        $name:ident($($input:ty),*) = $method:ident $id:literal $($marker:ident)?,
        $raw:ty => $output:ty,
        |$op:ident, $client:ident| $call:expr
    ) => {
        $(#[$doc])*
        pub struct $name($($input),*);

        impl $crate::transport::sealed::Sealed for $name {}
        impl $crate::transport::Operation for $name {
            const ID: &'static str = $id;
            const METHOD: ::http::Method = ::http::Method::$method;
            const KEYED: bool = $crate::transport::keyed!($($marker)?);
            const REPEATABLE: bool = $crate::transport::repeatable!($method $($marker)?);
            type Raw = $raw;
            type Output = $output;
            // Compiled where a call is made, not here: otherwise this crate compiles every
            // operation's generated request and response decoding for every user, whether
            // they call it or not.
            #[inline]
            fn attempt<'a>(
                &'a self,
                $client: &'a ::synctera_raw::Client,
                key: Option<&'a str>,
            ) -> impl ::std::future::Future<Output = $crate::transport::RawResult<$raw>>
            + Send
            + 'a {
                let $op = self;
                $crate::transport::with_key!(($call), key $(, $marker)?).send()
            }
        }
    };
}
pub(crate) use operation;

/// `true` for an operation declared `keyed`.
macro_rules! keyed {
    () => {
        false
    };
    (keyed) => {
        true
    };
    (once) => {
        false
    };
}
pub(crate) use keyed;

/// Whether an operation may be sent again without a key: by its method (`GET`, and `PUT` as a
/// full replace), unless it is declared `once`.
macro_rules! repeatable {
    ($method:ident once) => {
        false
    };
    (GET $($keyed:ident)?) => {
        true
    };
    (PUT $($keyed:ident)?) => {
        true
    };
    ($method:ident $($keyed:ident)?) => {
        false
    };
}
pub(crate) use repeatable;

/// The generated builder `$call`, carrying `key` when the operation is `keyed`.
macro_rules! with_key {
    ($call:expr, $key:ident $(, once)?) => {{
        let _ = $key;
        $call
    }};
    ($call:expr, $key:ident, keyed) => {{
        let call = $call;
        match $key {
            Some(key) => call.idempotency_key(key),
            None => call,
        }
    }};
}
pub(crate) use with_key;

/// Sets the optional parameters of a generated request builder, whose setters take a value, not
/// an `Option`: the setter runs only for a value that is there (`set_some`) or a list that is
/// not empty (`set_nonempty`).
pub(crate) trait OptionalParams: Sized {
    fn set_some<V>(self, value: Option<V>, set: impl FnOnce(Self, V) -> Self) -> Self {
        match value {
            Some(v) => set(self, v),
            None => self,
        }
    }

    fn set_nonempty<V: Clone>(self, values: &[V], set: impl FnOnce(Self, Vec<V>) -> Self) -> Self {
        if values.is_empty() {
            self
        } else {
            set(self, values.to_vec())
        }
    }
}

impl<T> OptionalParams for T {}

/// The per-call options a [`Request`] (or a list builder) carries until it is sent.
///
/// Kept small (a replaced policy is boxed): a request's future holds it for the whole call.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallSettings {
    idempotency_key: Option<IdempotencyKey>,
    retry_policy: Option<Box<RetryPolicy>>,
    timeout: Option<Option<Duration>>,
}

impl CallSettings {
    pub(crate) fn retry_policy(&mut self, policy: RetryPolicy) {
        self.retry_policy = Some(Box::new(policy));
    }

    pub(crate) fn timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = Some(timeout);
    }

    /// The policy of this call: the client's unless replaced, with the per-call timeout on top
    /// (resolved into these settings, so the call borrows its policy from one place or the
    /// other and copies none).
    fn policy<'a>(&'a mut self, client: &'a Client) -> &'a RetryPolicy {
        if let Some(timeout) = self.timeout.take() {
            let policy = match self.retry_policy.take() {
                Some(policy) => *policy,
                None => client.retry_policy().clone(),
            };
            self.retry_policy = Some(Box::new(policy.attempt_timeout(timeout)));
        }
        self.retry_policy
            .as_deref()
            .unwrap_or(client.retry_policy())
    }
}

/// One call of an operation, not yet sent. Set per-call options, then `.await` it (or call
/// [`send`](Self::send)); nothing goes on the wire before that.
///
/// A request whose input broke a rule holds the [`Error::Validation`] and returns it when
/// awaited, without sending anything.
#[must_use = "a request is sent only when it is awaited"]
pub struct Request<O> {
    client: Client,
    /// The error boxed: the request (and its future) stays small on the path that sends.
    operation: Result<O, Box<Error>>,
    settings: CallSettings,
}

impl<O: Operation> Request<O> {
    pub(crate) fn new(client: &Client, operation: Result<O, Error>) -> Self {
        Self::with_settings(client, operation, CallSettings::default())
    }

    pub(crate) fn with_settings(
        client: &Client,
        operation: Result<O, Error>,
        settings: CallSettings,
    ) -> Self {
        Self {
            client: client.clone(),
            operation: operation.map_err(Box::new),
            settings,
        }
    }

    /// The error a request holds instead of its operation: what awaiting it would return
    /// without sending anything. Lets a test check a local refusal without a network.
    #[cfg(test)]
    pub(crate) fn refusal(&self) -> Option<&Error> {
        self.operation.as_ref().err().map(|e| &**e)
    }

    /// Send this idempotency key instead of a generated one (ignored by operations that take
    /// no key). Every attempt of the call carries it; see [`IdempotencyKey`] for choosing one.
    pub fn idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.settings.idempotency_key = Some(key);
        self
    }

    /// Use this retry policy instead of the client's.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry_policy(policy);
        self
    }

    /// How long one attempt of this call may take (`None`: no limit), instead of the policy's.
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.settings.timeout(timeout.into());
        self
    }

    // Why `send` is shaped as it is (future sizes; the figures are in docs/benchmarks.md):
    // - The request is borrowed in place, not destructured: moving `self` apart copies it into
    //   new slots of this future's state.
    // - The idempotency key is fixed once, before the first attempt: every attempt carries the
    //   same key, so the server can answer a replay with the first result; the call's span and
    //   every attempt borrow it from `info` (no copy per call).
    // - A generated `send()` future is ~1.7 KB (getPerson) and a decoded resource ~0.8 KB, and
    //   an async layer moves whatever it holds or returns. Each attempt is boxed once and its
    //   result travels up the retry loop boxed, so the timer, the loop and the span each move a
    //   pointer (getPerson: ~2.5k fewer instructions).
    // - The box is allocated first and the attempt written into it: `Box::pin(async { .. })`
    //   builds the whole future on the stack and copies it in (4.6 KB for getPerson, 7.4 KB for
    //   createPerson); the generated future itself is made inside the box, on first poll.
    // - The answer is matched in a statement of its own: a `match` scrutinee lives to the end of
    //   the match, so awaiting the error conversion inside an arm would keep the ~0.9 KB
    //   response in the future next to the generated one. Reading an error body is a large
    //   future only failed attempts need, so it is boxed.
    // - The response converts field by field from the generated type, never through JSON.

    /// Sends the request: what `.await` does.
    pub async fn send(mut self) -> Result<O::Output, Error> {
        let operation = match self.operation {
            Ok(ref operation) => operation,
            Err(error) => return Err(*error),
        };
        let client = &self.client;
        let settings = &mut self.settings;
        let idempotency_key = O::KEYED.then(|| {
            settings
                .idempotency_key
                .take()
                .unwrap_or_else(IdempotencyKey::new_v4)
        });
        let policy = settings.policy(client);
        let info = CallInfo {
            operation_id: O::ID,
            method: O::METHOD,
            idempotency_key,
            repeatable: O::REPEATABLE,
        };
        let raw = client.raw();
        let key = info.idempotency_key.as_ref().map(IdempotencyKey::as_str);
        let outcome = execute(policy, &info, |_attempt| {
            let slot = Box::new_uninit();
            Box::into_pin(Box::write(slot, async move {
                let error = match operation.attempt(raw, key).await {
                    Ok(response) => {
                        record_response(response.status().as_u16(), response.headers());
                        return Ok(Box::new(O::Output::from(response.into_inner())));
                    }
                    Err(error) => error,
                };
                Err(Box::pin(Error::from_raw(error)).await)
            }))
        })
        .await;
        outcome.map(|value| *value)
    }
}

impl<O: Operation> IntoFuture for Request<O> {
    type Output = Result<O::Output, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    /// The future is written into its allocation, not built on the stack and copied in (see
    /// the notes above `send`).
    fn into_future(self) -> Self::IntoFuture {
        let future = Box::write(Box::new_uninit(), self.send());
        Box::into_pin(future)
    }
}

#[cfg(test)]
mod tests {
    use std::future::IntoFuture;

    use crate::resources::persons::NewPerson;
    use crate::transport::client::Client;

    fn assert_send_static<T: Send + 'static>(_: &T) {}

    #[test]
    fn requests_and_their_futures_can_be_spawned() {
        let client = Client::builder().api_key("k").build().unwrap();
        let get = client.persons().get(uuid::Uuid::nil());
        assert_send_static(&get);
        assert_send_static(&get.into_future());
        let create = client.persons().create(NewPerson::prospect());
        assert_send_static(&create);
        let list = client.persons().list().limit(5);
        assert_send_static(&list.into_future());
    }
}
