//! Automatic pagination over the API's `page_token` / `next_page_token` lists.
//!
//! The streams fetch one page at a time, only when the consumer asks for more, and hold at most
//! one page of items, so memory stays flat however many rows a listing has.

use std::collections::HashSet;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};

use futures_util::stream::{self, Stream, TryStreamExt};

use crate::error::Error;

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows of this page, in the server's order.
    pub items: Vec<T>,
    /// The token that fetches the next page; `None` on the last page.
    pub next_page_token: Option<String>,
}

impl<T> Page<T> {
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

/// The part every list builder shares: the `limit` and `page_token` setters, the per-call
/// options (`retry_policy`, `timeout`, applied to every page request), and the finishers built
/// on its one-page [`Request`](crate::Request): `send()` / `.await`, `pages()` and `stream()`.
/// `$list` holds its query in `q` (with `limit`, `page_token` and `settings`) and has
/// `fn request(self) -> Request<_>` for one page.
macro_rules! paged_list {
    ($list:ident, $item:ty, $noun:literal) => {
        impl $list {
            /// Rows per page (at least 1; the API caps it at 100).
            pub fn limit(mut self, n: u32) -> Self {
                self.q.limit = Some(n);
                self
            }
            /// Start from this page (a previous page's `next_page_token`).
            pub fn page_token(mut self, token: impl Into<String>) -> Self {
                self.q.page_token = Some(token.into());
                self
            }
            /// Use this retry policy for every page request instead of the client's.
            pub fn retry_policy(mut self, policy: $crate::transport::retry::RetryPolicy) -> Self {
                self.q.settings.retry_policy(policy);
                self
            }
            /// How long one attempt of each page request may take (`None`: no limit).
            pub fn timeout(mut self, timeout: impl Into<Option<::std::time::Duration>>) -> Self {
                self.q.settings.timeout(timeout.into());
                self
            }

            /// Fetches one page (what `.await` on the builder does).
            pub fn send(
                self,
            ) -> impl ::std::future::Future<
                Output = Result<$crate::transport::pagination::Page<$item>, $crate::error::Error>,
            > + Send
            + 'static {
                self.request().send()
            }

            /// Every page from the current one on, fetched lazily.
            pub fn pages(
                self,
            ) -> impl ::futures_util::stream::Stream<
                Item = Result<$crate::transport::pagination::Page<$item>, $crate::error::Error>,
            > + Send
            + 'static {
                let first = self.q.page_token.clone();
                $crate::transport::pagination::pages(first, move |token| {
                    let mut next = self.clone();
                    next.q.page_token = token;
                    next.send()
                })
            }

            #[doc = concat!("Every ", $noun, " from the current page on, one at a time, fetching pages lazily.")]
            pub fn stream(
                self,
            ) -> impl ::futures_util::stream::Stream<Item = Result<$item, $crate::error::Error>> + Send + 'static {
                $crate::transport::pagination::items(self.pages())
            }
        }

        impl ::std::future::IntoFuture for $list {
            type Output = Result<$crate::transport::pagination::Page<$item>, $crate::error::Error>;
            type IntoFuture =
                ::std::pin::Pin<Box<dyn ::std::future::Future<Output = Self::Output> + Send>>;

            /// One page.
            // Compiled where it is awaited: boxing the page's future as `dyn Future` compiles
            // the list's whole request and decoding code, which only callers of this list need.
            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}
pub(crate) use paged_list;

/// Checks a list's `limit` (at least 1) and converts it to the generated type.
pub(crate) fn page_limit(limit: Option<u32>) -> Result<Option<std::num::NonZeroU64>, Error> {
    limit
        .map(|n| {
            std::num::NonZeroU64::new(u64::from(n))
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
        page.next_page_token = page.next_page_token.filter(|t| !t.is_empty());
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
mod tests {
    use super::*;
    use futures::StreamExt;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fake server listing `total` numbers `per_page` at a time, with tokens `"p<offset>"`.
    fn server(
        total: usize,
        per_page: usize,
        calls: Arc<AtomicUsize>,
    ) -> impl FnMut(Option<String>) -> std::future::Ready<Result<Page<usize>, Error>> {
        move |token| {
            calls.fetch_add(1, Ordering::SeqCst);
            let start = token.map_or(0, |t| t[1..].parse().unwrap());
            let end = (start + per_page).min(total);
            let next = (end < total).then(|| format!("p{end}"));
            std::future::ready(Ok(Page {
                items: (start..end).collect(),
                next_page_token: next,
            }))
        }
    }

    #[tokio::test]
    async fn items_walk_every_page_in_order() {
        let calls = Arc::new(AtomicUsize::new(0));
        let all: Vec<usize> = items(pages(None, server(1050, 100, calls.clone())))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, (0..1050).collect::<Vec<_>>());
        assert_eq!(calls.load(Ordering::SeqCst), 11);
    }

    #[tokio::test]
    async fn pages_are_fetched_only_when_polled() {
        let calls = Arc::new(AtomicUsize::new(0));
        let stream = items(pages(None, server(1000, 100, calls.clone())));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "creating the stream fetches nothing"
        );
        let first: Vec<usize> = stream.take(150).try_collect().await.unwrap();
        assert_eq!(first, (0..150).collect::<Vec<_>>());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "only the pages needed were fetched"
        );
    }

    #[tokio::test]
    async fn starts_from_the_given_token() {
        let calls = Arc::new(AtomicUsize::new(0));
        let got: Vec<Page<usize>> = pages(Some("p200".into()), server(300, 100, calls))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].items, (200..300).collect::<Vec<_>>());
        assert!(!got[0].has_next());
    }

    #[tokio::test]
    async fn an_empty_listing_is_one_empty_page() {
        let got: Vec<usize> = items(pages(None, server(0, 100, Arc::default())))
            .try_collect()
            .await
            .unwrap();
        assert!(got.is_empty());
    }

    #[tokio::test]
    async fn an_empty_next_token_ends_the_listing() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let got: Vec<u8> = items(pages(None, move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            std::future::ready(Ok(Page {
                items: vec![1u8],
                next_page_token: Some(String::new()),
            }))
        }))
        .try_collect()
        .await
        .unwrap();
        assert_eq!(got, vec![1]);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_repeated_token_is_an_error_not_a_loop() {
        // The server hands out a, b, then a again.
        let tokens = ["a", "b", "a"];
        let mut call = 0;
        let stream = pages(None, move |_| {
            let next = tokens[call].to_owned();
            call += 1;
            std::future::ready(Ok(Page {
                items: vec![call],
                next_page_token: Some(next),
            }))
        });
        let got: Vec<Result<Page<usize>, Error>> = stream.collect().await;
        assert_eq!(
            got.len(),
            4,
            "three pages (all served), one error, then the end"
        );
        let items: Vec<usize> = got[..3]
            .iter()
            .flat_map(|p| p.as_ref().unwrap().items.clone())
            .collect();
        assert_eq!(
            items,
            [1, 2, 3],
            "the page with the repeated token is not lost"
        );
        assert!(
            matches!(&got[3], Err(Error::Pagination { .. })),
            "got {:?}",
            got[3].as_ref().err()
        );
    }

    #[tokio::test]
    async fn a_token_equal_to_the_starting_one_is_an_error() {
        let stream = pages(Some("start".into()), |_| {
            std::future::ready(Ok(Page {
                items: vec![1u8],
                next_page_token: Some("start".into()),
            }))
        });
        let got: Vec<_> = stream.collect().await;
        assert_eq!(got.len(), 2, "the page, then the error");
        assert_eq!(got[0].as_ref().unwrap().items, [1]);
        assert!(matches!(got[1], Err(Error::Pagination { .. })));
    }

    #[tokio::test]
    async fn an_error_is_passed_through_and_ends_the_stream() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let stream = items(pages(None, move |token: Option<String>| {
            counter.fetch_add(1, Ordering::SeqCst);
            std::future::ready(match token {
                None => Ok(Page {
                    items: vec![1u8, 2],
                    next_page_token: Some("next".into()),
                }),
                Some(_) => Err(Error::Timeout),
            })
        }));
        let got: Vec<_> = stream.collect().await;
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].as_ref().ok(), Some(&1));
        assert_eq!(got[1].as_ref().ok(), Some(&2));
        assert!(matches!(got[2], Err(Error::Timeout)));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "nothing is fetched after an error"
        );
    }
}
