//! Retries with backoff and a circuit breaker around any [`PaymentGateway`]. A call that got
//! no answer is sent again with the same idempotency key, which is safe by the gateway's
//! contract; a decline or a refusal is final. After several calls in a row fail, the breaker
//! opens and calls fail at once for a while, so a provider outage costs the renter no waiting
//! and the provider no retry storm; one call is let through when that time is up.

use super::gateway::{Captured, GatewayError, PaymentGateway, Purpose};
use crate::domain::card::Card;
use crate::domain::Money;
use crate::meters::{self, CallOutcome};
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tracing::Instrument;

#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Tries per call, the first included.
    pub attempts: u32,
    /// The wait before the second try; it doubles before each later one.
    pub first_delay: Duration,
    /// How long one try may take before it counts as unanswered.
    pub timeout: Duration,
    /// Failed tries in a row that open the breaker.
    pub failures_to_open: u32,
    pub open_for: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            first_delay: Duration::from_millis(100),
            timeout: Duration::from_secs(10),
            failures_to_open: 5,
            open_for: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Default)]
struct Breaker {
    failures: u32,
    open_until: Option<Instant>,
}

#[derive(Debug)]
pub struct Resilient<G> {
    inner: G,
    policy: RetryPolicy,
    breaker: Mutex<Breaker>,
}

/// The message of a call refused while the breaker is open.
pub const CIRCUIT_OPEN: &str = "circuit open after repeated failures";

impl<G: PaymentGateway> Resilient<G> {
    pub fn new(inner: G, policy: RetryPolicy) -> Self {
        Self {
            inner,
            policy,
            breaker: Mutex::default(),
        }
    }

    pub fn inner(&self) -> &G {
        &self.inner
    }

    /// Whether calls go through now (the breaker is closed), for the admins' overview.
    pub fn accepting_calls(&self) -> bool {
        self.closed(Instant::now())
    }

    fn breaker(&self) -> std::sync::MutexGuard<'_, Breaker> {
        self.breaker.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn closed(&self, now: Instant) -> bool {
        self.breaker().open_until.is_none_or(|until| now >= until)
    }

    fn record(&self, failed: bool, now: Instant) {
        let mut breaker = self.breaker();
        if failed {
            breaker.failures += 1;
            if breaker.failures >= self.policy.failures_to_open {
                breaker.open_until = Some(now + self.policy.open_for);
            }
        } else {
            *breaker = Breaker::default();
        }
    }

    /// Tries `operation` (its name counts the calls in `/metrics`) until it is answered.
    async fn call<T, F, Fut>(&self, operation: &'static str, attempt: F) -> Result<T, GatewayError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, GatewayError>>,
    {
        let mut delay = self.policy.first_delay;
        let mut tries = 0;
        loop {
            if !self.closed(Instant::now()) {
                meters::payment_call(operation, CallOutcome::NotSent);
                return Err(GatewayError::Unavailable(CIRCUIT_OPEN.into()));
            }
            tries += 1;
            let span = tracing::info_span!("payment_call", operation, attempt = tries);
            let answer = tokio::time::timeout(self.policy.timeout, attempt()).instrument(span);
            let result = match answer.await {
                Ok(result) => result,
                Err(_) => Err(GatewayError::Unavailable("no answer in time".into())),
            };
            let transient = matches!(&result, Err(e) if e.is_transient());
            meters::payment_call(
                operation,
                match &result {
                    Ok(_) => CallOutcome::Answered,
                    Err(_) if transient => CallOutcome::Unanswered,
                    Err(_) => CallOutcome::Refused,
                },
            );
            self.record(transient, Instant::now());
            if !transient || tries >= self.policy.attempts {
                return result;
            }
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
    }
}

impl<G: PaymentGateway> PaymentGateway for Resilient<G> {
    fn authorize(
        &self,
        key: &str,
        purpose: Purpose,
        amount: Money,
        card: &Card,
    ) -> impl Future<Output = Result<String, GatewayError>> + Send {
        self.call("authorize", move || {
            self.inner.authorize(key, purpose, amount, card)
        })
    }

    fn capture(
        &self,
        key: &str,
        reference: &str,
        amount: i64,
    ) -> impl Future<Output = Result<Captured, GatewayError>> + Send {
        self.call("capture", move || {
            self.inner.capture(key, reference, amount)
        })
    }

    fn void(
        &self,
        key: &str,
        reference: &str,
    ) -> impl Future<Output = Result<i64, GatewayError>> + Send {
        self.call("void", move || self.inner.void(key, reference))
    }

    fn refund(
        &self,
        key: &str,
        reference: &str,
        amount: i64,
    ) -> impl Future<Output = Result<i64, GatewayError>> + Send {
        self.call("refund", move || self.inner.refund(key, reference, amount))
    }

    fn authorized_under(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<String>, GatewayError>> + Send {
        self.call("authorized_under", move || self.inner.authorized_under(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A provider that fails its first `failing` calls, counting every call.
    struct Flaky {
        failing: u32,
        calls: AtomicU32,
    }

    impl PaymentGateway for Flaky {
        async fn authorize(
            &self,
            _: &str,
            _: Purpose,
            _: Money,
            _: &Card,
        ) -> Result<String, GatewayError> {
            unreachable!("not used")
        }
        async fn capture(&self, _: &str, _: &str, amount: i64) -> Result<Captured, GatewayError> {
            let call = self.calls.fetch_add(1, Ordering::SeqCst);
            if call < self.failing {
                Err(GatewayError::Unavailable("down".into()))
            } else {
                Ok(Captured {
                    captured: amount,
                    released: 0,
                })
            }
        }
        async fn void(&self, _: &str, _: &str) -> Result<i64, GatewayError> {
            Err(GatewayError::Rejected("spent".into()))
        }
        async fn refund(&self, _: &str, _: &str, _: i64) -> Result<i64, GatewayError> {
            unreachable!("not used")
        }
        async fn authorized_under(&self, _: &str) -> Result<Option<String>, GatewayError> {
            unreachable!("not used")
        }
    }

    fn quick(attempts: u32, failures_to_open: u32) -> RetryPolicy {
        RetryPolicy {
            attempts,
            first_delay: Duration::from_millis(1),
            timeout: Duration::from_secs(5),
            failures_to_open,
            open_for: Duration::from_secs(60),
        }
    }

    fn flaky(failing: u32) -> Flaky {
        Flaky {
            failing,
            calls: AtomicU32::new(0),
        }
    }

    #[tokio::test]
    async fn a_lost_answer_is_retried_and_a_refusal_is_not() {
        let gateway = Resilient::new(flaky(2), quick(3, 10));
        assert_eq!(
            gateway.capture("k", "p", 500).await,
            Ok(Captured {
                captured: 500,
                released: 0
            })
        );
        assert_eq!(gateway.inner().calls.load(Ordering::SeqCst), 3);
        assert!(matches!(
            gateway.void("k2", "p").await,
            Err(GatewayError::Rejected(_))
        ));
    }

    #[tokio::test]
    async fn repeated_failures_open_the_breaker_and_calls_then_fail_at_once() {
        let gateway = Resilient::new(flaky(100), quick(2, 4));
        for _ in 0..2 {
            assert!(gateway.capture("k", "p", 1).await.is_err());
        }
        assert_eq!(gateway.inner().calls.load(Ordering::SeqCst), 4);
        assert_eq!(
            gateway.capture("k", "p", 1).await,
            Err(GatewayError::Unavailable(CIRCUIT_OPEN.into()))
        );
        assert_eq!(
            gateway.inner().calls.load(Ordering::SeqCst),
            4,
            "an open breaker does not call the provider"
        );
    }

    #[tokio::test]
    async fn the_breaker_lets_one_call_through_when_its_time_is_up() {
        let mut policy = quick(1, 1);
        policy.open_for = Duration::from_millis(20);
        let gateway = Resilient::new(flaky(1), policy);
        assert!(gateway.capture("k", "p", 1).await.is_err());
        assert!(gateway.capture("k", "p", 1).await.is_err(), "open");
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(
            gateway.capture("k", "p", 1).await.is_ok(),
            "half open, then closed"
        );
        assert!(gateway.capture("k", "p", 1).await.is_ok());
    }
}
