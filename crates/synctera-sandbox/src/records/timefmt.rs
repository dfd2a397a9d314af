//! Timestamps and dates as the views answer them, written digit by digit: chrono's `format` and
//! `to_rfc3339_opts` go through its generic formatting machinery (and a `String`) for every
//! field of every view rendered. Whatever the fast writers do not cover (years outside
//! 0..=9999, leap seconds) is left to chrono, so the text is always chrono's.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Timelike, Utc};

/// Room for `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub type TsBuf = [u8; 27];

/// Room for `YYYY-MM-DD`.
pub type DateBuf = [u8; 10];

/// `t` as RFC 3339 in UTC to the microsecond, as `to_rfc3339_opts(SecondsFormat::Micros, true)`.
pub fn ts(t: DateTime<Utc>) -> String {
    match ts_fast(t, &mut [0; 27]) {
        Some(s) => s.to_owned(),
        None => t.to_rfc3339_opts(SecondsFormat::Micros, true),
    }
}

/// [`ts`] written into `buf`, or `None` where chrono must write it.
pub fn ts_fast(t: DateTime<Utc>, buf: &mut TsBuf) -> Option<&str> {
    let time = t.time();
    let nanos = time.nanosecond();
    // chrono keeps a leap second as nanoseconds past 1e9 and writes it as second 60.
    if nanos >= 1_000_000_000 {
        return None;
    }
    let (date, rest) = buf.split_at_mut(10);
    put_date(t.date_naive(), date.try_into().expect("10 bytes"))?;
    rest.copy_from_slice(b"T00:00:00.000000Z");
    put_digits(&mut rest[1..3], time.hour());
    put_digits(&mut rest[4..6], time.minute());
    put_digits(&mut rest[7..9], time.second());
    put_digits(&mut rest[10..16], nanos / 1000);
    Some(std::str::from_utf8(buf).expect("ASCII digits"))
}

/// `d` as `d.format("%Y-%m-%d")` writes it.
pub fn date(d: NaiveDate, buf: &mut DateBuf) -> std::borrow::Cow<'_, str> {
    match put_date(d, buf) {
        Some(()) => std::str::from_utf8(buf).expect("ASCII digits").into(),
        None => d.format("%Y-%m-%d").to_string().into(),
    }
}

/// `YYYY-MM-DD` for a year chrono writes with four unsigned digits.
fn put_date(d: NaiveDate, buf: &mut DateBuf) -> Option<()> {
    let year = u32::try_from(d.year()).ok().filter(|y| *y <= 9999)?;
    buf.copy_from_slice(b"0000-00-00");
    put_digits(&mut buf[0..4], year);
    put_digits(&mut buf[5..7], d.month());
    put_digits(&mut buf[8..10], d.day());
    Some(())
}

/// `v` zero-padded to the width of `out` (which it fits).
fn put_digits(out: &mut [u8], mut v: u32) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn chrono_ts(t: DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    proptest! {
        #[test]
        fn ts_is_chronos(secs in -70_000_000_000i64..260_000_000_000, nanos in 0u32..2_000_000_000) {
            if let Some(t) = Utc.timestamp_opt(secs, nanos).single() {
                prop_assert_eq!(ts(t), chrono_ts(t));
            }
        }

        #[test]
        fn date_is_chronos(days in -1_000_000i32..4_000_000) {
            if let Some(d) = NaiveDate::from_num_days_from_ce_opt(days) {
                let mut buf = [0; 10];
                prop_assert_eq!(date(d, &mut buf), d.format("%Y-%m-%d").to_string());
            }
        }
    }

    #[test]
    fn edges_are_chronos() {
        let times = [
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 12, 31, 23, 59, 59).unwrap(),
            Utc.timestamp_opt(1_700_000_000, 999_999_999).unwrap(),
            Utc.timestamp_opt(1_700_000_000, 1_000_000).unwrap(),
            Utc.timestamp_opt(1_483_228_799, 1_500_000_000).unwrap(),
        ];
        for t in times {
            assert_eq!(ts(t), chrono_ts(t));
            let d = t.date_naive();
            assert_eq!(date(d, &mut [0; 10]), d.format("%Y-%m-%d").to_string());
        }
    }
}
