//! Reading the files named on the command line, with errors that name the file and the setting.

use std::path::Path;

use crate::fail::{Failure, Outcome};

/// The text of `path`, given as `what` (e.g. "the private key file (--private-key)").
pub(crate) fn read_text(path: &Path, what: &str) -> Outcome<String> {
    std::fs::read_to_string(path).map_err(|e| Failure::new(format!("cannot read {what} `{}`: {e}", path.display())))
}

/// The bytes of `path`, given as `what`.
pub(crate) fn read_bytes(path: &Path, what: &str) -> Outcome<Vec<u8>> {
    std::fs::read(path).map_err(|e| Failure::new(format!("cannot read {what} `{}`: {e}", path.display())))
}
