//! Per-node execution policy: retries and timeout. These are Riposte extensions to the playbook
//! format (Sekoia's format has no such fields); playbooks without them get the defaults.

use serde::{Deserialize, Serialize};

/// Which failures are worth another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryOn {
    /// The attempt exceeded the node's timeout.
    Timeout,
    /// A network failure or a 5xx from a remote service: likely to succeed later.
    Transient,
    /// The action reported an error itself (`error(...)`): usually a bad input, rarely retried.
    ActionError,
}

/// How often and how patiently a node is retried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts in total, including the first one. 1 disables retries.
    #[serde(deserialize_with = "crate::whole::unsigned")]
    pub max_attempts: u32,
    /// Delay before the second attempt, in milliseconds.
    #[serde(deserialize_with = "crate::whole::unsigned")]
    pub initial_backoff_ms: u64,
    /// Each further delay is the previous one times this factor.
    pub multiplier: f64,
    /// Upper bound of a single delay, in milliseconds.
    #[serde(deserialize_with = "crate::whole::unsigned")]
    pub max_backoff_ms: u64,
    /// Fraction of each delay that is randomised (0 = none, 1 = full jitter).
    pub jitter: f64,
    pub retry_on: Vec<RetryOn>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff_ms: 1_000,
            multiplier: 2.0,
            max_backoff_ms: 60_000,
            jitter: 0.5,
            retry_on: vec![RetryOn::Timeout, RetryOn::Transient],
        }
    }
}

impl RetryPolicy {
    /// Delay before attempt `next_attempt` (2 for the first retry). `random` in [0, 1) comes from
    /// the caller so that the policy stays deterministic.
    pub fn backoff_ms(&self, next_attempt: u32, random: f64) -> u64 {
        let exponent = next_attempt.saturating_sub(2).min(63) as i32;
        let base =
            (self.initial_backoff_ms as f64 * self.multiplier.max(1.0).powi(exponent)).min(self.max_backoff_ms as f64);
        let jitter = self.jitter.clamp(0.0, 1.0);
        (base * (1.0 - jitter * random.clamp(0.0, 1.0))).round() as u64
    }

    pub fn retries(&self, kind: RetryOn, attempt: u32) -> bool {
        attempt < self.max_attempts && self.retry_on.contains(&kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_and_is_capped() {
        let policy = RetryPolicy { jitter: 0.0, max_backoff_ms: 5_000, ..RetryPolicy::default() };
        let delays: Vec<u64> = (2..7).map(|a| policy.backoff_ms(a, 0.9)).collect();
        assert_eq!(delays, vec![1_000, 2_000, 4_000, 5_000, 5_000]);
    }

    #[test]
    fn jitter_only_shortens_the_delay() {
        let policy = RetryPolicy { jitter: 1.0, ..RetryPolicy::default() };
        assert_eq!(policy.backoff_ms(3, 0.0), 2_000);
        assert_eq!(policy.backoff_ms(3, 0.5), 1_000);
    }

    #[test]
    fn retries_stop_at_max_attempts_and_respect_kinds() {
        let policy = RetryPolicy::default();
        assert!(policy.retries(RetryOn::Transient, 1));
        assert!(policy.retries(RetryOn::Timeout, 2));
        assert!(!policy.retries(RetryOn::Timeout, 3));
        assert!(!policy.retries(RetryOn::ActionError, 1));
    }
}
