//! The one retry policy: every decision to send a request again is taken by [`RetryPolicy::decide`].

use std::time::Duration;

use crate::request::Method;

/// What went wrong with one attempt.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Failure {
    /// The connection could not be established on any host (the request never reached a server).
    Connect,
    /// Another transport failure before an answer (timeout, reset): the request may have arrived.
    Transport,
    /// The answer's head arrived but reading its body failed.
    Body,
    /// A non-2xx answer (verified, if it was signed).
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then send again (re-signed).
    Retry {
        delay: Duration,
        reason: &'static str,
    },
    /// Report the failure.
    Stop,
}

/// Retry settings of a client (see the retry section of [`Client::execute`](crate::Client::execute)).
#[derive(Debug, Clone)]
pub(crate) struct RetryPolicy {
    pub(crate) max_retries: u32,
    pub(crate) backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) retry_5xx_for_get: bool,
}

fn idempotent(m: &Method) -> bool {
    *m == Method::GET || *m == Method::HEAD
}

impl RetryPolicy {
    /// Whether to retry after `failure`, given that `retries` retries were already made:
    /// * connection failures (the request never reached a server, on primary and backup): any method;
    /// * other transport failures and broken bodies: only GET/HEAD (a POST may have taken effect);
    /// * HTTP 429: any method, honouring `Retry-After` (capped by the maximum backoff);
    /// * HTTP 5xx: only GET/HEAD, and only if enabled;
    /// * anything else, or `max_retries` reached: stop.
    pub(crate) fn decide(&self, retries: u32, method: &Method, failure: Failure) -> Decision {
        if retries >= self.max_retries {
            return Decision::Stop;
        }
        let (retry, reason, retry_after) = match failure {
            Failure::Connect => (true, "connection failed", None),
            Failure::Transport => (idempotent(method), "transport error", None),
            Failure::Body => (idempotent(method), "broken response body", None),
            Failure::Status {
                status: 429,
                retry_after,
            } => (true, "rate limited (429)", retry_after),
            Failure::Status {
                status,
                retry_after,
            } if status >= 500 => (
                self.retry_5xx_for_get && idempotent(method),
                "server error (5xx)",
                retry_after,
            ),
            Failure::Status { .. } => (false, "", None),
        };
        if !retry {
            return Decision::Stop;
        }
        Decision::Retry {
            delay: self.backoff(retries, retry_after),
            reason,
        }
    }

    /// Exponential backoff from `backoff`, doubled per retry, capped by `max_backoff`, with up to 25 %
    /// random jitter; a server's `Retry-After` (capped too) is honoured when longer.
    fn backoff(&self, retries: u32, retry_after: Option<Duration>) -> Duration {
        let base = self
            .backoff
            .saturating_mul(1u32 << retries.min(16))
            .min(self.max_backoff);
        let d = jitter(base).min(self.max_backoff);
        match retry_after {
            Some(ra) => ra.min(self.max_backoff).max(d),
            None => d,
        }
    }
}

fn jitter(d: Duration) -> Duration {
    use aws_lc_rs::rand::SecureRandom;
    let mut b = [0u8; 1];
    let _ = aws_lc_rs::rand::SystemRandom::new().fill(&mut b);
    let extra = (d / 4)
        .checked_mul(u32::from(b[0]))
        .map(|x| x / 255)
        .unwrap_or_default();
    d.saturating_add(extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 2,
            backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(100),
            retry_5xx_for_get: true,
        }
    }

    #[test]
    fn decisions() {
        let p = policy();
        let retried =
            |retries, m: Method, f| matches!(p.decide(retries, &m, f), Decision::Retry { .. });
        assert!(retried(0, Method::POST, Failure::Connect));
        assert!(!retried(0, Method::POST, Failure::Transport));
        assert!(retried(0, Method::GET, Failure::Transport));
        assert!(!retried(0, Method::POST, Failure::Body));
        let s = |status| Failure::Status {
            status,
            retry_after: None,
        };
        assert!(retried(0, Method::POST, s(429)));
        assert!(!retried(0, Method::POST, s(500)));
        assert!(retried(1, Method::GET, s(503)));
        assert!(!retried(0, Method::GET, s(400)));
        assert!(!retried(2, Method::GET, Failure::Connect), "bounded");
        match p.decide(
            0,
            &Method::POST,
            Failure::Status {
                status: 429,
                retry_after: Some(Duration::from_secs(3600)),
            },
        ) {
            Decision::Retry { delay, .. } => assert_eq!(delay, Duration::from_millis(100)),
            Decision::Stop => panic!("429 is retried"),
        }
    }
}
