//! `AuditContext`: what an audit entry records about the request rather than the model (who, from where,
//! as part of what), set for the current thread while a request or job runs.
//!
//! CRUD calls are synchronous and write on the thread that makes them, so the context is thread-local:
//! enter it on the thread that does the writes (in async code, inside the blocking task that holds the
//! connection).

use serde_json::Value as Json;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::net::IpAddr;

thread_local! {
    static CURRENT: RefCell<AuditContext> = RefCell::new(AuditContext::new());
}

/// Who writes, from where and as part of what: recorded in every audit entry written while it is entered.
///
/// ```
/// use oxutils::audit::AuditContext;
///
/// let _context = AuditContext::new()
///     .actor(42, "ursula")
///     .remote_addr("203.0.113.7".parse().unwrap())
///     .correlation_id("req-7f3a")
///     .additional_data(serde_json::json!({"reason": "support ticket 12"}))
///     .enter();
/// assert_eq!(AuditContext::current().actor_name.as_deref(), Some("ursula"));
/// // Entries written on this thread until `_context` is dropped carry these values.
/// ```
///
/// The fields can be read and set directly; the methods of the same names set them in a chain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditContext {
    /// The id of the user who writes (a number, a UUID, …, as text).
    pub actor_id: Option<String>,
    /// The name of the user who writes.
    pub actor_name: Option<String>,
    /// The client's IP address.
    pub remote_addr: Option<IpAddr>,
    /// An id shared by every entry of one request or job.
    pub correlation_id: Option<String>,
    /// Any other JSON to record with each entry.
    pub additional_data: Option<Json>,
}

impl AuditContext {
    /// An empty context: entries record no actor, address, correlation id or additional data.
    pub fn new() -> Self {
        AuditContext::default()
    }

    /// The context entered on this thread, to read or to extend: `AuditContext::current().actor(..)`.
    pub fn current() -> Self {
        CURRENT.with_borrow(Clone::clone)
    }

    /// The user who writes: their id (a number, a UUID, …, stored as text) and name.
    pub fn actor(mut self, id: impl ToString, name: impl Into<String>) -> Self {
        self.actor_id = Some(id.to_string());
        self.actor_name = Some(name.into());
        self
    }

    /// The user who writes, by id alone.
    pub fn actor_id(mut self, id: impl ToString) -> Self {
        self.actor_id = Some(id.to_string());
        self
    }

    /// The client's IP address.
    pub fn remote_addr(mut self, address: IpAddr) -> Self {
        self.remote_addr = Some(address);
        self
    }

    /// An id shared by every entry of one request or job, e.g. its request id.
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// Any other JSON to record with each entry.
    pub fn additional_data(mut self, data: Json) -> Self {
        self.additional_data = Some(data);
        self
    }

    /// Makes this the context of the current thread until the guard is dropped, which restores the one
    /// before: nest guards like scopes, dropping the inner one first.
    #[must_use = "the context is left as soon as the guard is dropped"]
    pub fn enter(self) -> AuditContextGuard {
        let previous = CURRENT.replace(self);
        AuditContextGuard { previous: Some(previous), not_send: PhantomData }
    }

    /// Runs `work` with this context entered.
    pub fn scope<T>(self, work: impl FnOnce() -> T) -> T {
        let _guard = self.enter();
        work()
    }
}

/// Restores the previous audit context of its thread when dropped. It stays on the thread it was made on.
#[derive(Debug)]
pub struct AuditContextGuard {
    previous: Option<AuditContext>,
    /// The context is the thread's: a guard sent elsewhere would restore it on the wrong thread.
    not_send: PhantomData<*const ()>,
}

impl Drop for AuditContextGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            CURRENT.set(previous);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_restore_the_context_before_them() {
        let outer = AuditContext::new().actor(1, "ursula").correlation_id("req-1").enter();
        {
            let _inner = AuditContext::current().actor(2, "ged").enter();
            let inner = AuditContext::current();
            assert_eq!(
                (inner.actor_id.as_deref(), inner.correlation_id.as_deref()),
                (Some("2"), Some("req-1"))
            );
        }
        assert_eq!(AuditContext::current().actor_name.as_deref(), Some("ursula"));
        drop(outer);
        assert_eq!(AuditContext::current(), AuditContext::new());
        let seen = AuditContext::new().actor_id("7").scope(|| AuditContext::current().actor_id);
        assert_eq!(seen.as_deref(), Some("7"));
        assert_eq!(AuditContext::current(), AuditContext::new());
    }
}
