//! The blocking hand-off: the download runs on the crate's runtime thread (like the blocking verbs) and passes
//! body chunks to the caller's thread, which gunzips, hashes and writes them into the caller's `Write`. Memory is
//! bounded by a credit of [`WINDOW`] chunks: the runtime side takes a credit (asynchronously, never blocking the
//! shared runtime thread) before reading a chunk, and the caller returns it when it takes the chunk. Nothing on the
//! caller's side touches Tokio, so this works from plain threads and inside a Tokio runtime alike.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};

use bytes::Bytes;
use tokio::sync::Semaphore;

use super::open::{Target, open};
use crate::config::Config;
use crate::error::{Error, Result};

/// Chunks in flight between the runtime thread and the caller, at most.
const WINDOW: usize = 8;

enum Msg {
    Chunk(Bytes),
    End,
    Failed(Error),
}

/// The caller's end: an iterator of body chunks that ends with `None` after the whole body.
pub(crate) struct Chunks {
    rx: Receiver<Msg>,
    credit: Arc<Semaphore>,
    ended: bool,
}

/// Starts the download of `target` on the runtime thread; its chunks come out of the returned iterator.
pub(crate) fn start(config: Arc<Config>, target: Target) -> Result<Chunks> {
    let rt = config.transport.blocking()?;
    let (tx, rx) = mpsc::channel::<Msg>();
    let credit = Arc::new(Semaphore::new(WINDOW));
    let job_credit = credit.clone();
    let job_config = config.clone();
    // The span is made on the caller's thread (its current span is the parent) and carried, with the caller's
    // subscriber, to the runtime thread.
    let span = super::open::span(&target);
    let dispatch = crate::trace::current_dispatch();
    rt.spawn(move |clients| {
        crate::trace::carry(dispatch, async move {
            let mut body = match open(&job_config, &clients, &target, span).await {
                Ok(body) => body,
                Err(e) => {
                    let _ = tx.send(Msg::Failed(e));
                    return;
                }
            };
            loop {
                // Closed when the caller has gone away (its writer failed): stop reading.
                let Ok(permit) = job_credit.acquire().await else {
                    return;
                };
                permit.forget();
                let msg = match body.next().await {
                    Ok(Some(chunk)) => Msg::Chunk(chunk),
                    Ok(None) => Msg::End,
                    Err(e) => Msg::Failed(e),
                };
                let last = !matches!(msg, Msg::Chunk(_));
                if tx.send(msg).is_err() || last {
                    return;
                }
            }
        })
    })?;
    Ok(Chunks {
        rx,
        credit,
        ended: false,
    })
}

impl Iterator for Chunks {
    type Item = Result<Bytes>;

    fn next(&mut self) -> Option<Result<Bytes>> {
        if self.ended {
            return None;
        }
        let msg = match self.rx.recv() {
            Ok(msg) => msg,
            Err(_) => Msg::Failed(Error::transport("The blocking runtime thread dropped the download.")),
        };
        match msg {
            Msg::Chunk(chunk) => {
                self.credit.add_permits(1);
                Some(Ok(chunk))
            }
            Msg::End => {
                self.ended = true;
                None
            }
            Msg::Failed(e) => {
                self.ended = true;
                Some(Err(e))
            }
        }
    }
}

impl Drop for Chunks {
    fn drop(&mut self) {
        // Tells the runtime side to stop (it may be waiting for credit).
        self.credit.close();
    }
}
