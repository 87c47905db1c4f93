//! Engine frames → whole lines.
//!
//! The engine sends stdout/stderr as frames that do not respect line
//! boundaries (a long line arrives in several frames, and with timestamps on,
//! every frame starts with its own RFC 3339 timestamp). The splitter keeps one
//! partial line per stream, strips each frame's timestamp, reassembles lines and
//! bounds how much of one line it holds.

use std::time::SystemTime;

use super::ring::LogStream;

/// A whole line of raw bytes, newline removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    pub stream: LogStream,
    /// Timestamp of the frame that started the line.
    pub timestamp: Option<SystemTime>,
    pub bytes: Vec<u8>,
    /// Bytes of this line dropped because it passed the bound.
    pub cut: usize,
}

#[derive(Debug, Default)]
struct Partial {
    bytes: Vec<u8>,
    cut: usize,
    timestamp: Option<SystemTime>,
    started: bool,
}

impl Partial {
    fn append(&mut self, data: &[u8], max: usize) {
        let room = max.saturating_sub(self.bytes.len());
        let take = room.min(data.len());
        self.bytes.extend_from_slice(&data[..take]);
        self.cut += data.len() - take;
        self.started = true;
    }

    fn take(&mut self, stream: LogStream) -> RawLine {
        let line = RawLine {
            stream,
            timestamp: self.timestamp.take(),
            bytes: std::mem::take(&mut self.bytes),
            cut: self.cut,
        };
        self.cut = 0;
        self.started = false;
        line
    }
}

/// Reassembles lines from frames, per stream.
#[derive(Debug)]
pub struct LineSplitter {
    max_line_bytes: usize,
    timestamps: bool,
    partials: [Partial; 3],
}

fn slot(stream: LogStream) -> usize {
    match stream {
        LogStream::Stdout => 0,
        LogStream::Stderr => 1,
        LogStream::Console => 2,
    }
}

const STREAMS: [LogStream; 3] = [LogStream::Stdout, LogStream::Stderr, LogStream::Console];

impl LineSplitter {
    /// `max_line_bytes` bounds one line's raw bytes (the rest is counted as cut);
    /// `timestamps` says frames start with an engine timestamp.
    pub fn new(max_line_bytes: usize, timestamps: bool) -> Self {
        Self {
            max_line_bytes: max_line_bytes.max(1),
            timestamps,
            partials: Default::default(),
        }
    }

    /// Feeds one frame's payload; appends every line it completes to `out`.
    pub fn push_frame(&mut self, stream: LogStream, payload: &[u8], out: &mut Vec<RawLine>) {
        let (timestamp, mut data) = if self.timestamps {
            split_timestamp(payload)
        } else {
            (None, payload)
        };
        let max = self.max_line_bytes;
        let partial = &mut self.partials[slot(stream)];
        if !partial.started {
            partial.timestamp = timestamp;
        }
        while let Some(newline) = data.iter().position(|&b| b == b'\n') {
            partial.append(&data[..newline], max);
            out.push(partial.take(stream));
            data = &data[newline + 1..];
            // Several lines in one frame share its timestamp.
            partial.timestamp = timestamp;
        }
        if !data.is_empty() {
            partial.append(data, max);
        }
    }

    /// The stream ended: hands out unterminated last lines.
    pub fn finish(&mut self, out: &mut Vec<RawLine>) {
        for stream in STREAMS {
            let partial = &mut self.partials[slot(stream)];
            if partial.started {
                out.push(partial.take(stream));
            }
        }
    }
}

/// Splits an engine timestamp prefix (`2024-05-01T12:00:00.123456789Z `) off a frame.
/// A frame without a valid one is returned whole.
pub fn split_timestamp(payload: &[u8]) -> (Option<SystemTime>, &[u8]) {
    let head = &payload[..payload.len().min(40)];
    let Some(space) = head.iter().position(|&b| b == b' ') else {
        return (None, payload);
    };
    let parsed = std::str::from_utf8(&payload[..space])
        .ok()
        .and_then(|text| humantime::parse_rfc3339(text).ok());
    match parsed {
        Some(ts) => (Some(ts), &payload[space + 1..]),
        None => (None, payload),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn texts(lines: &[RawLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| String::from_utf8_lossy(&l.bytes).into_owned())
            .collect()
    }

    #[test]
    fn one_frame_many_lines() {
        let mut s = LineSplitter::new(1024, false);
        let mut out = Vec::new();
        s.push_frame(LogStream::Stdout, b"a\nb\n\nc\n", &mut out);
        assert_eq!(texts(&out), ["a", "b", "", "c"]);
    }

    #[test]
    fn line_split_across_frames_is_reassembled() {
        let mut s = LineSplitter::new(1024, false);
        let mut out = Vec::new();
        s.push_frame(LogStream::Stdout, b"hel", &mut out);
        s.push_frame(LogStream::Stdout, b"lo wo", &mut out);
        assert!(out.is_empty());
        s.push_frame(LogStream::Stdout, b"rld\nnext", &mut out);
        assert_eq!(texts(&out), ["hello world"]);
        s.finish(&mut out);
        assert_eq!(texts(&out), ["hello world", "next"]);
    }

    #[test]
    fn streams_do_not_mix_partials() {
        let mut s = LineSplitter::new(1024, false);
        let mut out = Vec::new();
        s.push_frame(LogStream::Stdout, b"out-", &mut out);
        s.push_frame(LogStream::Stderr, b"err-", &mut out);
        s.push_frame(LogStream::Stdout, b"1\n", &mut out);
        s.push_frame(LogStream::Stderr, b"2\n", &mut out);
        assert_eq!(texts(&out), ["out-1", "err-2"]);
        assert_eq!(out[0].stream, LogStream::Stdout);
        assert_eq!(out[1].stream, LogStream::Stderr);
    }

    #[test]
    fn utf8_split_mid_character_is_rejoined() {
        let word = "héllo\n".as_bytes();
        let mut s = LineSplitter::new(1024, false);
        let mut out = Vec::new();
        s.push_frame(LogStream::Stdout, &word[..2], &mut out);
        s.push_frame(LogStream::Stdout, &word[2..], &mut out);
        assert_eq!(texts(&out), ["héllo"]);
    }

    #[test]
    fn partial_line_is_bounded_and_cut_counted() {
        let mut s = LineSplitter::new(10, false);
        let mut out = Vec::new();
        for _ in 0..100 {
            s.push_frame(LogStream::Stdout, b"0123456789", &mut out);
        }
        s.push_frame(LogStream::Stdout, b"\n", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].bytes.len(), 10);
        assert_eq!(out[0].cut, 990);
    }

    #[test]
    fn timestamps_are_stripped_from_every_frame() {
        let mut s = LineSplitter::new(1024, true);
        let mut out = Vec::new();
        s.push_frame(
            LogStream::Stdout,
            b"2024-05-01T12:00:00.000000001Z first ",
            &mut out,
        );
        s.push_frame(
            LogStream::Stdout,
            b"2024-05-01T12:00:00.000000002Z half\n",
            &mut out,
        );
        s.push_frame(
            LogStream::Stdout,
            b"2024-05-01T12:00:01.5Z second\n",
            &mut out,
        );
        assert_eq!(texts(&out), ["first half", "second"]);
        let base = UNIX_EPOCH + Duration::from_secs(1_714_564_800);
        assert_eq!(out[0].timestamp, Some(base + Duration::from_nanos(1)));
        assert_eq!(out[1].timestamp, Some(base + Duration::from_millis(1500)));
    }

    #[test]
    fn frames_without_valid_timestamp_are_kept_whole() {
        assert_eq!(
            split_timestamp(b"not a timestamp"),
            (None, &b"not a timestamp"[..])
        );
        assert_eq!(split_timestamp(b"nospace"), (None, &b"nospace"[..]));
        assert_eq!(split_timestamp(b""), (None, &b""[..]));
    }
}
