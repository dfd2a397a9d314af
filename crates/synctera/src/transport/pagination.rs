//! Automatic pagination over the API's `page_token` / `next_page_token` lists.
//!
//! The streams fetch one page at a time, only when the consumer asks for more, and hold at most
//! one page of items, so memory stays flat however many rows a listing has.

use std::collections::HashSet;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::hash::{BuildHasher, RandomState};
use std::num::NonZeroU64;
use std::pin::Pin;
use std::time::Duration;

use futures_util::stream::{self, Stream, TryStreamExt};

use crate::error::Error;
use crate::transport::client::Client;
use crate::transport::retry::RetryPolicy;
use crate::transport::{CallSettings, Operation, Request};

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows of this page, in the server's order.
    pub items: Vec<T>,
    /// The token that fetches the next page; `None` on the last page.
    pub next_page_token: Option<String>,
}

impl<T> Page<T> {
    /// A page as an answer carries it: an empty `next_page_token` means there is no next page,
    /// as an absent one does (else `has_next` would send `page_token=` for the first page again).
    pub(crate) fn from_answer(items: Vec<T>, next_page_token: Option<String>) -> Self {
        Page {
            items,
            next_page_token: next_page_token.filter(|t| !t.is_empty()),
        }
    }

    /// Whether another page follows this one.
    pub fn has_next(&self) -> bool {
        self.next_page_token.is_some()
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// A list builder: a query (`Q`, its filters) and what every list shares: the `limit` and
/// `page_token` setters, the per-call options (`retry_policy`, `timeout`, applied to every page
/// request), and the finishers: `.await` (or [`send`](Self::send)) for one page,
/// [`pages`](Self::pages) and [`stream`](Self::stream). You meet it through its names:
/// [`ListPersons`](crate::ListPersons), [`ListCustomers`](crate::ListCustomers),
/// [`ListDisclosures`](crate::ListDisclosures), [`ListVerifications`](crate::ListVerifications),
/// and, with the `webhooks` feature (on by default), `ListWebhooks` and `ListWebhookEvents`.
#[derive(Clone)]
pub struct List<Q> {
    client: Client,
    pub(crate) query: Q,
    limit: Option<u32>,
    page_token: Option<String>,
    settings: CallSettings,
}

/// What one list asks: its filters, and the operation that fetches one page of them.
/// Implemented by this crate's lists only.
pub trait ListQuery: sealed::Sealed + Clone + fmt::Debug + Send + Sync + 'static {
    /// The list builder's name, as `Debug` shows it (e.g. `"ListPersons"`).
    const NAME: &'static str;
    /// One row of the listing.
    type Item: Send + 'static;
    /// The operation that fetches one page.
    type Page: Operation<Output = Page<Self::Item>>;
    /// The operation for the page `paging` names, with the filters in the generated types.
    #[doc(hidden)]
    fn page(self, paging: Paging) -> Result<Self::Page, Error>;
}

pub(crate) mod sealed {
    /// Keeps [`super::ListQuery`] this crate's own.
    pub trait Sealed {}
}

/// Which page a page operation fetches: the list's `limit` (checked: at least 1) and token.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Paging {
    pub(crate) limit: Option<NonZeroU64>,
    pub(crate) page_token: Option<String>,
}

impl<Q: ListQuery> List<Q> {
    pub(crate) fn new(client: &Client, query: Q) -> Self {
        Self {
            client: client.clone(),
            query,
            limit: None,
            page_token: None,
            settings: CallSettings::default(),
        }
    }

    /// Rows per page (at least 1; the API caps it at 100).
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }

    /// Start from this page (a previous page's `next_page_token`).
    pub fn page_token(mut self, token: impl Into<String>) -> Self {
        self.page_token = Some(token.into());
        self
    }

    /// Use this retry policy for every page request instead of the client's.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry_policy(policy);
        self
    }

    /// How long one attempt of each page request may take (`None`: no limit).
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.settings.timeout(timeout.into());
        self
    }

    /// Fetches one page (what `.await` on the builder does).
    pub fn send(self) -> impl Future<Output = Result<Page<Q::Item>, Error>> + Send + 'static {
        let Self {
            client,
            query,
            limit,
            page_token,
            settings,
        } = self;
        let page = page_limit(limit).and_then(|limit| query.page(Paging { limit, page_token }));
        Request::with_settings(&client, page, settings).send()
    }

    /// Every page from the current one on, fetched lazily.
    pub fn pages(self) -> impl Stream<Item = Result<Page<Q::Item>, Error>> + Send + 'static {
        let first = self.page_token.clone();
        pages(first, move |token| {
            let mut next = self.clone();
            next.page_token = token;
            next.send()
        })
    }

    /// Every row from the current page on, one at a time, fetching pages lazily.
    pub fn stream(self) -> impl Stream<Item = Result<Q::Item, Error>> + Send + 'static {
        items(self.pages())
    }
}

impl<Q: ListQuery> IntoFuture for List<Q> {
    type Output = Result<Page<Q::Item>, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    /// One page.
    // Compiled where it is awaited: boxing the page's future as `dyn Future` compiles the
    // list's whole request and decoding code, which only callers of this list need.
    #[inline]
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// The query (PII filters redacted by its own `Debug`), then the paging; never the client.
impl<Q: ListQuery> fmt::Debug for List<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(Q::NAME)
            .field("query", &self.query)
            .field("limit", &self.limit)
            .field("page_token", &self.page_token)
            .finish()
    }
}

/// Checks a list's `limit` (at least 1) and converts it to the generated type.
fn page_limit(limit: Option<u32>) -> Result<Option<NonZeroU64>, Error> {
    limit
        .map(|n| {
            NonZeroU64::new(u64::from(n))
                .ok_or_else(|| Error::validation("limit", "must be at least 1"))
        })
        .transpose()
}

enum State<F> {
    Next {
        token: Option<String>,
        fetch: F,
        seen: SeenTokens,
    },
    /// The last page has been yielded; this error comes next, then the end.
    Fail(Error),
    Done,
}

/// The tokens a listing has handed out, as 64-bit hashes: eight bytes per page instead of the
/// token itself (tokens can be long, and a listing of millions of rows has tens of thousands of
/// pages). The hasher is randomly keyed per listing, so a false "repeated" verdict needs a 64-bit
/// collision between two tokens of the same listing: about one in 10¹¹ for a million pages.
struct SeenTokens {
    hasher: RandomState,
    hashes: HashSet<u64>,
}

impl SeenTokens {
    fn new() -> Self {
        Self {
            hasher: RandomState::new(),
            hashes: HashSet::new(),
        }
    }

    /// Records `token`; false if it was seen before.
    fn insert(&mut self, token: &str) -> bool {
        self.hashes.insert(self.hasher.hash_one(token))
    }
}

/// A lazy stream of pages: `fetch` is called with `first_token` when the first page is polled,
/// then with each page's `next_page_token`, until a page has none (an empty token counts as
/// none). A token the server already handed out ends the stream with [`Error::Pagination`]
/// instead of looping forever; the page that carried it is yielded first (its items are real).
/// The stream ends after the first error.
pub(crate) fn pages<T, F, Fut>(
    first_token: Option<String>,
    fetch: F,
) -> impl Stream<Item = Result<Page<T>, Error>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    let first_token = first_token.filter(|t| !t.is_empty());
    let mut seen = SeenTokens::new();
    if let Some(t) = &first_token {
        seen.insert(t);
    }
    let state = State::Next {
        token: first_token,
        fetch,
        seen,
    };
    stream::unfold(state, |state| async move {
        let (token, mut fetch, mut seen) = match state {
            State::Next { token, fetch, seen } => (token, fetch, seen),
            State::Fail(error) => return Some((Err(error), State::Done)),
            State::Done => return None,
        };
        let mut page = match fetch(token).await {
            Ok(page) => page,
            Err(error) => return Some((Err(error), State::Done)),
        };
        match &page.next_page_token {
            None => Some((Ok(page), State::Done)),
            Some(next) if !seen.insert(next) => {
                page.next_page_token = None;
                // The token's value stays out of the message: it is opaque and may encode filters.
                let error = Error::Pagination {
                    reason: "the server returned a page token it had already returned, \
                             so the listing would never end"
                        .into(),
                };
                Some((Ok(page), State::Fail(error)))
            }
            Some(next) => {
                let token = Some(next.clone());
                Some((Ok(page), State::Next { token, fetch, seen }))
            }
        }
    })
}

/// The items of a page stream, one by one, fetching the next page only once the current one is
/// used up. Errors are passed through and end the stream.
pub(crate) fn items<T, S>(pages: S) -> impl Stream<Item = Result<T, Error>>
where
    S: Stream<Item = Result<Page<T>, Error>>,
{
    pages
        .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
}

#[cfg(test)]
mod tests;
