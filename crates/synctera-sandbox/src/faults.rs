//! Injected failures: [`Fault`], queued through a [`FaultInjector`] or drawn at a seeded rate.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// A failure the sandbox can inject into a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 503 before any work is done.
    Unavailable,
    /// 429 with a `Retry-After` header, before any work is done.
    TooManyRequests {
        /// Value of the `Retry-After` header.
        retry_after_secs: u64,
    },
    /// The work is done and committed, then the connection is closed without a response.
    DropAfterCommit,
}

pub(crate) struct FaultState {
    queue: Mutex<VecDeque<Fault>>,
    /// How many faults are queued, so that requests skip the lock while none is.
    queued: AtomicUsize,
    rng: Mutex<fastrand::Rng>,
    rate: f64,
    holds: Mutex<VecDeque<HoldSlot>>,
    /// [`FaultInjector::fail_next_commit`] was called and no commit has taken it yet.
    fail_commit: AtomicBool,
}

struct HoldSlot {
    reached: oneshot::Sender<()>,
    release: oneshot::Receiver<()>,
}

impl FaultState {
    /// No queued faults; `rate` (already clamped) of requests fail at random from `seed`.
    pub(crate) fn new(rate: f64, seed: u64) -> Self {
        FaultState {
            queue: Mutex::new(VecDeque::new()),
            queued: AtomicUsize::new(0),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            rate,
            holds: Mutex::new(VecDeque::new()),
            fail_commit: AtomicBool::new(false),
        }
    }

    pub(crate) fn next(&self) -> Option<Fault> {
        if self.queued.load(Ordering::Acquire) > 0 {
            let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(f) = queue.pop_front() {
                self.queued.store(queue.len(), Ordering::Release);
                return Some(f);
            }
        }
        if self.rate <= 0.0 {
            return None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        if rng.f64() >= self.rate {
            return None;
        }
        Some(match rng.u8(0..3) {
            0 => Fault::Unavailable,
            1 => Fault::TooManyRequests {
                retry_after_secs: 1,
            },
            _ => Fault::DropAfterCommit,
        })
    }

    /// Whether the commit about to be handed to the database is to fail (once).
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn take_commit_failure(&self) -> bool {
        // A load first: the commit path pays no write to a shared cache line when no test asks.
        self.fail_commit.load(Ordering::Relaxed) && self.fail_commit.swap(false, Ordering::AcqRel)
    }

    /// Called by a mutating operation once it owns its idempotency key, before its work.
    pub(crate) async fn wait_if_held(&self) {
        let slot = self
            .holds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front();
        if let Some(slot) = slot {
            let _ = slot.reached.send(());
            let _ = slot.release.await;
        }
    }
}

/// Queues faults for the requests a running [`Sandbox`](crate::Sandbox) receives next.
#[derive(Clone)]
pub struct FaultInjector {
    state: Arc<FaultState>,
}

impl fmt::Debug for FaultInjector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultInjector").finish_non_exhaustive()
    }
}

impl FaultInjector {
    pub(crate) fn new(state: Arc<FaultState>) -> Self {
        FaultInjector { state }
    }

    /// Applies `fault` to the next request not already claimed by an earlier queued fault (FIFO).
    pub fn push(&self, fault: Fault) {
        let mut queue = self.state.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.push_back(fault);
        self.state.queued.store(queue.len(), Ordering::Release);
    }

    /// Makes the next commit to the state database (`--state`; a write's, or the record of a
    /// webhook delivery attempt) fail as a full disk or an I/O error would. The sandbox then
    /// stops serving: that write and every later request are answered 503
    /// `STATE_DATABASE_FAILED`, and no webhook is delivered, until a restart reloads the last
    /// committed state. Without a state database it does nothing.
    pub fn fail_next_commit(&self) {
        self.state.fail_commit.store(true, Ordering::Release);
    }

    /// Holds the next mutating operation (create, update, disclosure, verify) after it has
    /// claimed its idempotency key and before it does its work, until the returned
    /// [`Hold`] is released or dropped. Lets tests observe a request that is still in flight.
    pub fn hold_next(&self) -> Hold {
        let (reached_tx, reached_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        self.state
            .holds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(HoldSlot {
                reached: reached_tx,
                release: release_rx,
            });
        Hold {
            reached: Some(reached_rx),
            release: Some(release_tx),
        }
    }
}

/// A request held in flight by [`FaultInjector::hold_next`].
#[derive(Debug)]
pub struct Hold {
    reached: Option<oneshot::Receiver<()>>,
    release: Option<oneshot::Sender<()>>,
}

impl Hold {
    /// Waits until a request is being held.
    pub async fn reached(&mut self) {
        if let Some(r) = self.reached.take() {
            let _ = r.await;
        }
    }
    /// Lets the held request continue.
    pub fn release(mut self) {
        if let Some(tx) = self.release.take() {
            let _ = tx.send(());
        }
    }
}
