//! An optional deadline around a future, for `ClientBuilder::total_timeout`: without one
//! the future is polled as it is, with no timer and no allocation.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use tokio::time::{Instant, Sleep};

pin_project_lite::pin_project! {
    /// `call`, cut short when `sleep` (if any) fires first.
    pub(crate) struct Within<F> {
        #[pin]
        call: F,
        // Boxed: only calls with a deadline pay for the timer.
        sleep: Option<Pin<Box<Sleep>>>,
    }
}

/// The deadline passed before the future finished.
#[derive(Debug)]
pub(crate) struct Elapsed;

/// Runs `call` until it finishes, or until `deadline` if there is one.
pub(crate) fn within<F: Future>(deadline: Option<Instant>, call: F) -> Within<F> {
    Within {
        call,
        sleep: deadline.map(|d| Box::pin(tokio::time::sleep_until(d))),
    }
}

impl<F: Future> Future for Within<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.call.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        match this.sleep.as_mut().map(|sleep| sleep.as_mut().poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(Err(Elapsed)),
            _ => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_deadline_cuts_the_call_short_and_none_never_does() {
        let ms = Duration::from_millis;
        let slow = tokio::time::sleep(ms(2_000));
        assert!(within(Some(Instant::now() + ms(20)), slow).await.is_err());
        let done = within(Some(Instant::now() + ms(2_000)), async { 7 });
        assert_eq!(done.await.unwrap(), 7);
        let unbounded = within(None, tokio::time::sleep(ms(30)));
        assert!(unbounded.await.is_ok());
    }
}
