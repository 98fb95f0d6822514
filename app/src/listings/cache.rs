//! Recent answers of the busiest questions, kept for a moment (server only). Search pages
//! ask the same few things over and over; answering a repeat from memory keeps the database
//! free for the rest. Every change to listings made through this process clears it at once;
//! a change made by another instance (PostgreSQL with several app servers) reaches this one
//! through the event bus, which forgets what it made stale (`state::Answers::forget_for`),
//! within about a second at most; [`TTL`] bounds staleness should the bus be behind.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an answer may be served from memory.
pub const TTL: Duration = Duration::from_secs(2);
/// Distinct questions kept by default; past the capacity the expired answers go, and while
/// it is still full new ones are not kept (a flood of unique searches then costs what it
/// would without the cache, and memory stays bounded).
const CAPACITY: usize = 2_000;

/// Answers of type `T` by question.
pub struct AnswerCache<T> {
    entries: Mutex<HashMap<String, (Instant, T)>>,
    /// Counts `clear` calls: an answer computed across one is already out of date.
    generation: AtomicU64,
    capacity: usize,
}

impl<T: Clone> Default for AnswerCache<T> {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl<T: Clone> AnswerCache<T> {
    /// A cache that keeps at most `capacity` answers (for answers larger than a search's).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            capacity,
        }
    }

    /// The answer to `question` from memory if it is fresh, else from `compute` (kept when it
    /// succeeds).
    pub async fn get_or_compute<E, F>(&self, question: String, compute: F) -> Result<T, E>
    where
        F: std::future::Future<Output = Result<T, E>>,
    {
        let now = Instant::now();
        if let Some(answer) = self.fresh(&question, now) {
            return Ok(answer);
        }
        let generation = self.generation.load(Ordering::SeqCst);
        // Until the new answer is kept, a stale entry this caller renewed must not outlive a
        // failed or abandoned computation: the others would be served it indefinitely.
        let refreshing = Refreshing {
            cache: self,
            question: &question,
            renewed_at: now,
        };
        let answer = compute.await?;
        std::mem::forget(refreshing);
        let mut entries = self.lock();
        if self.generation.load(Ordering::SeqCst) != generation {
            return Ok(answer);
        }
        if entries.len() >= self.capacity {
            entries.retain(|_, (at, _)| now.duration_since(*at) < TTL);
        }
        if entries.len() < self.capacity {
            entries.insert(question, (now, answer.clone()));
        }
        Ok(answer)
    }

    /// The kept answer, unless it is stale and this caller is the first to notice: that one
    /// caller renews the entry's time and computes a new answer, while everyone else keeps
    /// getting the old one meanwhile. So an expiry costs one computation, not one per
    /// concurrent request (at 64 connections they all missed at once, and p99 went to 1.6 s).
    fn fresh(&self, question: &str, now: Instant) -> Option<T> {
        let mut entries = self.lock();
        let (at, answer) = entries.get_mut(question)?;
        if now.duration_since(*at) < TTL {
            return Some(answer.clone());
        }
        *at = now;
        None
    }

    /// Forgets every answer: something they were computed from changed.
    pub fn clear(&self) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    /// Forgets the answers to the questions `stale` picks.
    pub fn forget_where(&self, stale: impl Fn(&str) -> bool) {
        let mut entries = self.lock();
        // An answer computed across this may have read what changed: it is not kept.
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.retain(|question, _| !stale(question));
    }

    /// Drops the entry of `question` if its time is still `renewed_at` (nobody kept a newer
    /// answer meanwhile).
    fn drop_renewed(&self, question: &str, renewed_at: Instant) {
        let mut entries = self.lock();
        if entries
            .get(question)
            .is_some_and(|(at, _)| *at == renewed_at)
        {
            entries.remove(question);
        }
    }

    /// A poisoned lock only means another request panicked while holding it; the map itself
    /// is always whole (each change is one call), so carry on with it.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, T)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A computation under way for `question`; dropped before it succeeds (it failed, or the
/// request was abandoned), it removes the stale entry its caller renewed.
struct Refreshing<'a, T: Clone> {
    cache: &'a AnswerCache<T>,
    question: &'a str,
    renewed_at: Instant,
}

impl<T: Clone> Drop for Refreshing<'_, T> {
    fn drop(&mut self) {
        self.cache.drop_renewed(self.question, self.renewed_at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fresh_answer_is_reused_until_cleared() {
        let cache = AnswerCache::<u32>::default();
        let first: Result<u32, ()> = cache.get_or_compute("q".into(), async { Ok(1) }).await;
        let again: Result<u32, ()> = cache.get_or_compute("q".into(), async { Ok(2) }).await;
        assert_eq!((first, again), (Ok(1), Ok(1)));
        cache.clear();
        let after: Result<u32, ()> = cache.get_or_compute("q".into(), async { Ok(3) }).await;
        assert_eq!(after, Ok(3));
    }

    #[tokio::test]
    async fn one_caller_refreshes_a_stale_answer_while_others_get_the_old_one() {
        let cache = AnswerCache::<u32>::default();
        let _: Result<u32, ()> = cache.get_or_compute("q".into(), async { Ok(1) }).await;
        let long_ago = Instant::now() - TTL * 2;
        cache.lock().get_mut("q").unwrap().0 = long_ago;
        assert_eq!(
            cache.fresh("q", Instant::now()),
            None,
            "the first to notice refreshes"
        );
        assert_eq!(
            cache.fresh("q", Instant::now()),
            Some(1),
            "the others keep the old answer"
        );
    }

    #[tokio::test]
    async fn an_answer_computed_across_a_change_is_not_kept() {
        let cache = AnswerCache::<u32>::default();
        let stale: Result<u32, ()> = cache
            .get_or_compute("q".into(), async {
                cache.clear();
                Ok(1)
            })
            .await;
        assert_eq!(stale, Ok(1), "the caller still gets its answer");
        let next: Result<u32, ()> = cache.get_or_compute("q".into(), async { Ok(2) }).await;
        assert_eq!(next, Ok(2), "but it was not kept");
    }

    #[tokio::test]
    async fn a_failed_refresh_drops_the_stale_answer() {
        let cache = AnswerCache::<u32>::default();
        let _: Result<u32, ()> = cache.get_or_compute("q".into(), async { Ok(1) }).await;
        cache.lock().get_mut("q").unwrap().0 = Instant::now() - TTL * 2;
        let failed: Result<u32, &str> = cache
            .get_or_compute("q".into(), async { Err("down") })
            .await;
        assert_eq!(failed, Err("down"));
        assert_eq!(
            cache.fresh("q", Instant::now()),
            None,
            "the stale answer is gone, not renewed for everyone else"
        );
        assert!(cache.lock().is_empty());
    }

    #[tokio::test]
    async fn failures_are_not_kept() {
        let cache = AnswerCache::<u32>::default();
        let failed: Result<u32, &str> = cache
            .get_or_compute("q".into(), async { Err("down") })
            .await;
        assert_eq!(failed, Err("down"));
        let next: Result<u32, &str> = cache.get_or_compute("q".into(), async { Ok(7) }).await;
        assert_eq!(next, Ok(7));
    }
}
