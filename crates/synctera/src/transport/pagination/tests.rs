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
        std::future::ready(Ok(Page::from_answer(vec![1u8], Some(String::new()))))
    }))
    .try_collect()
    .await
    .unwrap();
    assert_eq!(got, vec![1]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // A single page read the same way (`.await` on a list) says there is no next one.
    assert!(!Page::from_answer(vec![1u8], Some(String::new())).has_next());
    assert!(Page::from_answer(vec![1u8], Some("p1".into())).has_next());
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
