//! HTTP byte ranges (RFC 9110 section 14): one range per request; a malformed header or
//! several ranges are ignored (the whole blob is sent), a range past the end is refused.

use std::ops::Range;

/// What a `Range` header asks of a body of some length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ByteRange {
    /// The whole body (no header, or one to ignore).
    Full,
    /// These bytes.
    Partial(Range<u64>),
    /// Nothing the body has: 416.
    Unsatisfiable,
}

/// What `header` asks of a body of `length` bytes.
pub fn parse(header: Option<&str>, length: u64) -> ByteRange {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return ByteRange::Full;
    };
    if spec.contains(',') {
        return ByteRange::Full;
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return ByteRange::Full;
    };
    let number = |text: &str| text.trim().parse::<u64>().ok();
    match (start.trim().is_empty(), end.trim().is_empty()) {
        // `-n`: the last n bytes.
        (true, false) => match number(end) {
            Some(0) => ByteRange::Unsatisfiable,
            Some(_) if length == 0 => ByteRange::Unsatisfiable,
            Some(n) => ByteRange::Partial(length.saturating_sub(n)..length),
            None => ByteRange::Full,
        },
        // `a-` or `a-b`.
        (false, open) => {
            let Some(first) = number(start) else {
                return ByteRange::Full;
            };
            let last = if open {
                Some(u64::MAX)
            } else {
                number(end).filter(|last| *last >= first)
            };
            match last {
                None => ByteRange::Full,
                Some(_) if first >= length => ByteRange::Unsatisfiable,
                Some(last) => ByteRange::Partial(first..last.min(length - 1) + 1),
            }
        }
        (true, true) => ByteRange::Full,
    }
}

#[cfg(test)]
mod tests {
    use super::{ByteRange::*, parse};

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(parse(None, 10), Full);
        assert_eq!(parse(Some("bytes=0-0"), 10), Partial(0..1));
        assert_eq!(parse(Some("bytes=2-5"), 10), Partial(2..6));
        assert_eq!(parse(Some("bytes=2-"), 10), Partial(2..10));
        assert_eq!(parse(Some("bytes=5-100"), 10), Partial(5..10));
        assert_eq!(parse(Some("bytes=-3"), 10), Partial(7..10));
        assert_eq!(parse(Some("bytes=-30"), 10), Partial(0..10));
        assert_eq!(parse(Some("bytes=10-"), 10), Unsatisfiable);
        assert_eq!(parse(Some("bytes=-0"), 10), Unsatisfiable);
        assert_eq!(parse(Some("bytes=0-"), 0), Unsatisfiable);
        // Ignored: malformed, reversed, several ranges, other units.
        assert_eq!(parse(Some("bytes=5-2"), 10), Full);
        assert_eq!(parse(Some("bytes=x-2"), 10), Full);
        assert_eq!(parse(Some("bytes=0-1,3-4"), 10), Full);
        assert_eq!(parse(Some("items=0-1"), 10), Full);
        assert_eq!(parse(Some("bytes=-"), 10), Full);
    }
}
