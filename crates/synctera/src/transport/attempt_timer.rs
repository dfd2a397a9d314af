//! An attempt's time limit, on a timer that is reused rather than registered anew.
//!
//! Why: registering a tokio timer while no earlier one is pending makes tokio wake its time
//! driver (a write to the runtime's wake-up descriptor and, on a multi-thread runtime, a parked
//! worker thread woken and parked again), once per call. In `cargo bench -p synctera --bench
//! transport` that was ~2.6 µs of a ~84 µs getPerson (p50 ratio 1.10 instead of 1.06). Moving an
//! already registered timer to a later deadline (`Sleep::reset`) does not wake the driver, and a
//! call's deadline is almost always later than the previous call's. So each thread keeps a few
//! timers of the calls that finished in time, still registered, and the next attempt on that
//! thread takes one and moves it to its own deadline. The limit enforced is the same: a timer
//! taken from the cache is reset to exactly the attempt's deadline before the attempt starts.
//!
//! A cached timer belongs to the runtime it was made in, so it is only reused in that runtime
//! (a timer of a runtime that has shut down would fail when polled). Before a timer is cached,
//! it is given a no-op waker, so it holds on to no finished task; if it fires while cached,
//! nothing is woken.

use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use tokio::runtime::{Handle, Id};
use tokio::time::{Instant, Sleep};

/// Timers kept per thread: enough for a few calls in flight on one worker.
const CACHED_PER_THREAD: usize = 4;

thread_local! {
    static CACHE: RefCell<Vec<(Id, Pin<Box<Sleep>>)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `attempt` until it finishes or `deadline` passes (`None`), as
/// `tokio::time::timeout_at(deadline, attempt)` does.
pub(super) async fn within<F: Future>(deadline: Instant, attempt: F) -> Option<F::Output> {
    let runtime = Handle::current().id();
    let mut timer = take(runtime, deadline);
    let mut attempt = pin!(attempt);
    let outcome = poll_fn(|cx| {
        if let Poll::Ready(value) = attempt.as_mut().poll(cx) {
            return Poll::Ready(Some(value));
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await;
    give_back(runtime, timer);
    outcome
}

/// A timer of `runtime` set to `deadline`: a cached one moved there, or a new one.
fn take(runtime: Id, deadline: Instant) -> Pin<Box<Sleep>> {
    let cached = CACHE.with_borrow_mut(|cache| {
        let i = cache.iter().rposition(|(id, _)| *id == runtime)?;
        Some(cache.swap_remove(i).1)
    });
    match cached {
        Some(mut timer) => {
            timer.as_mut().reset(deadline);
            timer
        }
        None => Box::pin(tokio::time::sleep_until(deadline)),
    }
}

/// Keeps a timer that has not fired for the next attempt on this thread.
fn give_back(runtime: Id, mut timer: Pin<Box<Sleep>>) {
    // Replace the finished call's waker, so the cached timer keeps no task alive.
    let _ = timer.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    if timer.is_elapsed() {
        return;
    }
    CACHE.with_borrow_mut(|cache| {
        if cache.len() == CACHED_PER_THREAD {
            // The oldest, possibly of a runtime that is gone.
            drop(cache.remove(0));
        }
        cache.push((runtime, timer));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn cached() -> usize {
        CACHE.with_borrow(Vec::len)
    }

    fn hang() -> impl Future<Output = ()> {
        std::future::pending()
    }

    #[tokio::test(start_paused = true)]
    async fn a_reused_timer_enforces_the_new_deadline() {
        CACHE.with_borrow_mut(Vec::clear);
        // A call that finishes in time leaves its timer for the next one.
        let far = Instant::now() + Duration::from_secs(30);
        assert_eq!(within(far, async { 7 }).await, Some(7));
        assert_eq!(cached(), 1);

        // The next attempt takes it and moves it, here earlier than it was.
        let start = Instant::now();
        assert_eq!(within(start + Duration::from_secs(2), hang()).await, None);
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        // A timer that fired is not kept.
        assert_eq!(cached(), 0);

        // And later than it was.
        within(Instant::now() + Duration::from_secs(1), async {}).await;
        let start = Instant::now();
        assert_eq!(within(start + Duration::from_secs(45), hang()).await, None);
        assert_eq!(start.elapsed(), Duration::from_secs(45));
    }

    #[tokio::test(start_paused = true)]
    async fn the_cache_is_bounded() {
        CACHE.with_borrow_mut(Vec::clear);
        for _ in 0..10 {
            // Several calls in flight at once each need a timer of their own.
            let calls = (0..3).map(|_| within(Instant::now() + Duration::from_secs(30), async {}));
            futures::future::join_all(calls).await;
        }
        assert!(cached() <= CACHED_PER_THREAD);
        assert!(cached() >= 1);
    }

    /// A timer cached by a runtime that has shut down is never used by the next runtime on the
    /// same thread (polling it would fail): the next runtime's limit still holds.
    #[test]
    fn a_timer_is_reused_only_in_its_own_runtime() {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap()
        };
        CACHE.with_borrow_mut(Vec::clear);
        runtime().block_on(async {
            within(Instant::now() + Duration::from_secs(30), async {}).await;
        });
        assert_eq!(cached(), 1, "the first runtime's timer is cached");
        runtime().block_on(async {
            let start = Instant::now();
            assert_eq!(within(start + Duration::from_secs(3), hang()).await, None);
            assert_eq!(start.elapsed(), Duration::from_secs(3));
            within(Instant::now() + Duration::from_secs(30), async {}).await;
        });
        // The dead runtime's timer stays until pushed out; it is never handed out again.
        assert_eq!(cached(), 2);
        for _ in 0..CACHED_PER_THREAD {
            runtime().block_on(within(Instant::now() + Duration::from_secs(5), async {}));
        }
        assert_eq!(cached(), CACHED_PER_THREAD);
    }
}
