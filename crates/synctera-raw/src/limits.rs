//! The response size cap: every answer's body is read up to [`Limits::max_response_bytes`], so a
//! broken proxy or a hostile server cannot make the client buffer without end.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// What the client accepts from a server, carried by [`crate::Client`] and enforced by its
/// [`ClientHooks::exec`](progenitor_client::ClientHooks::exec) on every answer.
///
/// ```
/// let mut limits = synctera_raw::Limits::default();
/// limits.max_response_bytes = 1 << 20;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The cap on every response body (success or problem document), in bytes; default
    /// [`Self::DEFAULT_MAX_RESPONSE_BYTES`].
    pub max_response_bytes: usize,
}

impl Limits {
    /// The default cap on a response body: 8 MiB. The largest answer the spec allows is a list
    /// page of 100 rows; a person with every bounded field full is under 10 KB of JSON (under
    /// 60 KB if every character were escaped), so a full page fits several times over and leaves
    /// room for free-form `metadata`.
    pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 << 20;
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_response_bytes: Self::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

/// A response body was larger than [`Limits::max_response_bytes`]; reading stopped there (or
/// never started, when the declared `Content-Length` was already over). Found in the source
/// chain of the [`reqwest::Error`] the call fails with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseTooLarge {
    /// The cap that was exceeded, in bytes.
    pub limit: usize,
}

impl fmt::Display for ResponseTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the response body is larger than the client's limit of {} bytes",
            self.limit
        )
    }
}

impl std::error::Error for ResponseTooLarge {}

/// `response`, its body capped at `limit` bytes.
pub(crate) fn cap(response: reqwest::Response, limit: usize) -> reqwest::Response {
    // A body of a known length needs no wrapper: the length is the one the HTTP layer frames the
    // body by (hyper reads exactly `Content-Length` bytes of an HTTP/1 body, h2 resets a stream
    // that sends more than it declared), so it is never read past. Most answers take this path
    // and pay nothing.
    if response
        .content_length()
        .is_some_and(|len| len <= limit as u64)
    {
        return response;
    }
    let response = http::Response::<reqwest::Body>::from(response);
    response
        .map(|body| {
            reqwest::Body::wrap(Capped {
                inner: body,
                remaining: limit,
                limit,
            })
        })
        .into()
}

/// A body that fails with [`ResponseTooLarge`] once more than `limit` bytes arrive, or before
/// reading anything when the body says it is longer than that.
struct Capped {
    inner: reqwest::Body,
    remaining: usize,
    limit: usize,
}

impl Body for Capped {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let too_large = ResponseTooLarge { limit: self.limit };
        if self.inner.size_hint().lower() > self.remaining as u64 {
            return Poll::Ready(Some(Err(too_large.into())));
        }
        let frame = match ready!(Pin::new(&mut self.inner).poll_frame(cx)) {
            None => return Poll::Ready(None),
            Some(Err(error)) => return Poll::Ready(Some(Err(error.into()))),
            Some(Ok(frame)) => frame,
        };
        if let Some(data) = frame.data_ref() {
            match self.remaining.checked_sub(data.len()) {
                Some(remaining) => self.remaining = remaining,
                None => return Poll::Ready(Some(Err(too_large.into()))),
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
