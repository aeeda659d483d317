//! The sans-IO core of a download: body chunks in, bill bytes out (gunzipped on the fly when the body is gzip),
//! counted and hashed on the way. No I/O here, so the blocking and async drivers share every rule.

use std::io::Write;

use flate2::write::MultiGzDecoder;
use sha1::{Digest, Sha1};

use super::Summary;
use crate::error::{Error, Result};

/// Turns the received body into the bill, one step at a time, with bounded memory: a gzip step produces at most
/// the decoder's 32 KiB window of output, whatever the compression ratio.
pub(crate) struct Unpack {
    gz: Option<MultiGzDecoder<Vec<u8>>>,
    /// The output of the last gzip step, handed to the writer before the next step.
    out: Vec<u8>,
    sha1: Sha1,
    received: u64,
    written: u64,
}

impl Unpack {
    pub(crate) fn new(gunzip: bool) -> Self {
        Unpack {
            gz: gunzip.then(|| MultiGzDecoder::new(Vec::with_capacity(32 * 1024))),
            out: Vec::new(),
            sha1: Sha1::new(),
            received: 0,
            written: 0,
        }
    }

    /// Consumes a prefix of `input` (at least one byte of a non-empty input) and returns its length and the bill
    /// bytes it produced, which may be none. Call again with the rest until all of `input` is consumed.
    pub(crate) fn step<'a>(&'a mut self, input: &'a [u8]) -> Result<(usize, &'a [u8])> {
        let Some(gz) = self.gz.as_mut() else {
            self.received += input.len() as u64;
            self.written += input.len() as u64;
            self.sha1.update(input);
            return Ok((input.len(), input));
        };
        let n = gz.write(input).map_err(bad_gzip)?;
        if n == 0 && !input.is_empty() {
            return Err(Error::decode("The gzip bill has bytes after its end."));
        }
        self.received += n as u64;
        self.out.clear();
        std::mem::swap(&mut self.out, gz.get_mut());
        self.written += self.out.len() as u64;
        self.sha1.update(&self.out);
        Ok((n, &self.out))
    }

    /// Ends the body: the last bill bytes (a gzip body's buffered tail; checks its trailer CRC and length, so a
    /// truncated or corrupt gzip is an error here).
    pub(crate) fn finish(&mut self) -> Result<&[u8]> {
        let Some(gz) = self.gz.as_mut() else {
            return Ok(&[]);
        };
        if self.received == 0 {
            return Err(Error::decode("The gzip bill is empty."));
        }
        gz.try_finish().map_err(bad_gzip)?;
        self.out.clear();
        std::mem::swap(&mut self.out, gz.get_mut());
        self.written += self.out.len() as u64;
        self.sha1.update(&self.out);
        Ok(&self.out)
    }

    /// What was received and written, with the SHA-1 of the written bill.
    pub(crate) fn summary(&self) -> Summary {
        Summary {
            bytes: self.written,
            received: self.received,
            sha1: hex::encode(self.sha1.clone().finalize()),
        }
    }
}

fn bad_gzip(e: std::io::Error) -> Error {
    Error::decode(format!("The bill is not valid gzip: {e}.")).with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    /// Feeds `body` in `piece`-sized chunks and collects the output.
    fn run(gunzip: bool, body: &[u8], piece: usize) -> Result<(Vec<u8>, Summary)> {
        let mut u = Unpack::new(gunzip);
        let mut out = Vec::new();
        for chunk in body.chunks(piece) {
            let mut rest = chunk;
            while !rest.is_empty() {
                let (n, produced) = u.step(rest)?;
                out.extend_from_slice(produced);
                rest = &rest[n..];
            }
        }
        out.extend_from_slice(u.finish()?);
        Ok((out, u.summary()))
    }

    #[test]
    fn plain_bodies_pass_through_and_are_hashed() {
        let (out, s) = run(false, b"abc", 1).unwrap();
        assert_eq!(out, b"abc");
        assert_eq!((s.bytes, s.received), (3, 3));
        assert_eq!(s.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn gzip_is_decoded_in_any_chunking_and_the_digest_covers_the_bill() {
        let bill: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("`{i},`x\n").into_bytes())
            .collect();
        let gz = gzip(&bill);
        for piece in [1, 7, 4096, gz.len()] {
            let (out, s) = run(true, &gz, piece).unwrap();
            assert!(out == bill, "piece {piece}");
            assert_eq!(s.bytes, bill.len() as u64);
            assert_eq!(s.received, gz.len() as u64);
            assert_eq!(s.sha1, hex::encode(Sha1::digest(&bill)));
        }
        // two members concatenated decode as one bill
        let mut two = gzip(b"a,b\n");
        two.extend(gzip(b"c,d\n"));
        assert_eq!(run(true, &two, 3).unwrap().0, b"a,b\nc,d\n");
    }

    #[test]
    fn a_bomb_is_decoded_in_bounded_steps() {
        let gz = gzip(&vec![0u8; 50 << 20]);
        let mut u = Unpack::new(true);
        let mut rest = &gz[..];
        let mut largest = 0;
        while !rest.is_empty() {
            let (n, out) = u.step(rest).unwrap();
            largest = largest.max(out.len());
            rest = &rest[n..];
        }
        assert!(largest <= 64 * 1024, "{largest}");
        u.finish().unwrap();
        assert_eq!(u.summary().bytes, 50 << 20);
    }

    #[test]
    fn truncated_corrupt_or_empty_gzip_fails() {
        let gz = gzip(b"some bill text, long enough to matter\n");
        assert_eq!(
            run(true, &gz[..gz.len() - 4], 5).unwrap_err().kind(),
            crate::ErrorKind::Decode
        );
        assert_eq!(run(true, &gz[..12], 5).unwrap_err().kind(), crate::ErrorKind::Decode);
        let mut bad = gz.clone();
        let at = bad.len() - 6; // inside the CRC
        bad[at] ^= 0xff;
        assert_eq!(run(true, &bad, 5).unwrap_err().kind(), crate::ErrorKind::Decode);
        assert_eq!(
            run(true, b"plain,csv\n", 5).unwrap_err().kind(),
            crate::ErrorKind::Decode
        );
        assert_eq!(run(true, b"", 5).unwrap_err().kind(), crate::ErrorKind::Decode);
        let mut trailing = gz.clone();
        trailing.extend_from_slice(b"junk");
        assert!(run(true, &trailing, 5).is_err());
    }
}
