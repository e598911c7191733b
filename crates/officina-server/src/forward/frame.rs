//! The channel's frames: what they hold, how they are written and read.

use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue};
use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// One frame, either way.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Frame {
    pub(super) id: u64,
    pub(super) status: u16,
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) body: Bytes,
}

impl Frame {
    pub(super) fn encode(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.status.to_be_bytes());
        // At most 255 headers travel, each with its name and at most 64 KiB of value: what
        // cannot be said is left out (the headers that travel are short).
        let headers: Vec<_> = self
            .headers
            .iter()
            .filter(|(name, value)| name.as_str().len() <= usize::from(u8::MAX) && value.len() <= usize::from(u16::MAX))
            .take(usize::from(u8::MAX))
            .collect();
        out.push(headers.len() as u8);
        for (name, value) in headers {
            out.push(name.as_str().len() as u8);
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(&(value.len() as u16).to_be_bytes());
            out.extend_from_slice(value.as_bytes());
        }
        out.extend_from_slice(&self.body);
        let length = (out.len() - start - 4) as u32;
        out[start..start + 4].copy_from_slice(&length.to_be_bytes());
    }

    /// Parses what follows a frame's length; `None` when it is malformed.
    fn decode(mut bytes: Bytes) -> Option<Self> {
        fn take(bytes: &mut Bytes, n: usize) -> Option<Bytes> {
            (bytes.len() >= n).then(|| bytes.split_to(n))
        }
        let id = u64::from_be_bytes(take(&mut bytes, 8)?.as_ref().try_into().ok()?);
        let status = u16::from_be_bytes(take(&mut bytes, 2)?.as_ref().try_into().ok()?);
        let count = take(&mut bytes, 1)?[0];
        let mut headers = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let name_length = take(&mut bytes, 1)?[0];
            let name = HeaderName::from_bytes(&take(&mut bytes, usize::from(name_length))?).ok()?;
            let value_length = u16::from_be_bytes(take(&mut bytes, 2)?.as_ref().try_into().ok()?);
            let value = HeaderValue::from_maybe_shared(take(&mut bytes, usize::from(value_length))?).ok()?;
            headers.push((name, value));
        }
        Some(Self { id, status, headers, body: bytes })
    }
}

/// Reads frames of at most `max` bytes from a stream. [`FrameReader::next`] may be abandoned
/// at any await (in a `select!`) without losing bytes: what was read stays in the buffer.
pub(super) struct FrameReader<R> {
    reader: R,
    buffer: BytesMut,
    max: usize,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub(super) fn new(reader: R, max: usize) -> Self {
        Self { reader, buffer: BytesMut::with_capacity(64 * 1024), max }
    }

    /// The next frame; `None` at the end of the stream.
    pub(super) async fn next(&mut self) -> std::io::Result<Option<Frame>> {
        loop {
            if let Some(frame) = self.parse()? {
                return Ok(Some(frame));
            }
            if self.reader.read_buf(&mut self.buffer).await? == 0 {
                return if self.buffer.is_empty() {
                    Ok(None)
                } else {
                    Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "a forwarding frame cut short"))
                };
            }
        }
    }

    /// A whole frame from the buffer, if it holds one.
    fn parse(&mut self) -> std::io::Result<Option<Frame>> {
        let malformed = || std::io::Error::new(std::io::ErrorKind::InvalidData, "a malformed forwarding frame");
        let Some(length) = self.buffer.get(..4) else { return Ok(None) };
        let length = u32::from_be_bytes(length.try_into().map_err(|_| malformed())?) as usize;
        if length > self.max {
            return Err(malformed());
        }
        if self.buffer.len() < 4 + length {
            self.buffer.reserve(4 + length - self.buffer.len());
            return Ok(None);
        }
        let mut frame = self.buffer.split_to(4 + length);
        frame.advance(4);
        Frame::decode(frame.freeze()).map(Some).ok_or_else(malformed)
    }
}

/// Writes every frame `frames` gives, batching those that wait together into one write, until
/// it closes; then closes the stream's writing side.
pub(super) async fn write_frames(
    mut writer: impl AsyncWrite + Unpin,
    frames: &mut mpsc::Receiver<Vec<u8>>,
) -> std::io::Result<()> {
    let mut batch = Vec::new();
    while let Some(first) = frames.recv().await {
        batch.clear();
        batch.extend_from_slice(&first);
        while batch.len() < 256 * 1024 {
            match frames.try_recv() {
                Ok(next) => batch.extend_from_slice(&next),
                Err(_) => break,
            }
        }
        writer.write_all(&batch).await?;
    }
    writer.shutdown().await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::http::header;

    use super::*;

    #[test]
    fn a_frame_reads_back_as_it_was_written() {
        let frame = Frame {
            id: 42,
            status: 200,
            headers: vec![
                (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
                (HeaderName::from_static("x-request-id"), HeaderValue::from_static("abc")),
            ],
            body: Bytes::from_static(br#"{"data":{"statePosition":{"position":"7"}}}"#),
        };
        let mut bytes = Vec::new();
        frame.encode(&mut bytes);
        let length = u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
        assert_eq!(length, bytes.len() - 4);
        assert_eq!(Frame::decode(Bytes::from(bytes[4..].to_vec())), Some(frame));
    }

    #[test]
    fn a_truncated_or_malformed_frame_is_refused() {
        let mut bytes = Vec::new();
        Frame {
            id: 1,
            status: 0,
            headers: vec![(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"))],
            body: Bytes::new(),
        }
        .encode(&mut bytes);
        for cut in 4..bytes.len() {
            assert_eq!(Frame::decode(Bytes::from(bytes[4..cut].to_vec())), None, "cut at {cut}");
        }
        // A header name that is not a header name.
        let mut bad = bytes[4..].to_vec();
        bad[11] = b' ';
        assert_eq!(Frame::decode(Bytes::from(bad)), None);
    }

    #[tokio::test]
    async fn a_frame_longer_than_allowed_is_not_read() {
        let mut bytes = Vec::new();
        Frame { id: 1, status: 0, headers: vec![], body: Bytes::from(vec![b'x'; 1000]) }.encode(&mut bytes);
        let error = FrameReader::new(bytes.as_slice(), 100).next().await.expect_err("too long");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
        let frame = FrameReader::new(bytes.as_slice(), 2000).next().await.expect("read").expect("a frame");
        assert_eq!(frame.body.len(), 1000);
        assert!(FrameReader::new(&b""[..], 100).next().await.expect("the end").is_none());
        let error = FrameReader::new(&bytes[..500], 2000).next().await.expect_err("cut short");
        assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof);
    }

    #[tokio::test]
    async fn frames_arriving_in_pieces_read_whole_even_when_a_read_is_abandoned() {
        let mut bytes = Vec::new();
        for id in 1..=3 {
            Frame { id, status: 0, headers: vec![], body: Bytes::from(vec![b'a' + id as u8; 300]) }.encode(&mut bytes);
        }
        let (mut sending, receiving) = tokio::io::duplex(64);
        let mut frames = FrameReader::new(receiving, 10_000);
        let writer = tokio::spawn(async move {
            for piece in bytes.chunks(7) {
                sending.write_all(piece).await.expect("write");
                tokio::task::yield_now().await;
            }
        });
        let mut ids = Vec::new();
        while ids.len() < 3 {
            // A read given up half-way (as a `select!` does) loses nothing.
            match tokio::time::timeout(Duration::from_micros(1), frames.next()).await {
                Ok(frame) => {
                    let frame = frame.expect("read").expect("a frame");
                    assert_eq!(frame.body.len(), 300);
                    ids.push(frame.id);
                }
                Err(_) => tokio::task::yield_now().await,
            }
        }
        assert_eq!(ids, [1, 2, 3]);
        writer.await.expect("writer");
    }
}
