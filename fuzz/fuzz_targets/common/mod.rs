//! Fuzz bytes read as the pieces a target needs: numbers, flags, text and
//! Redis values of any shape. Running out of bytes gives zeros and empty
//! text, never a panic.
#![allow(dead_code)]

use redis::Value;

pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// Small values most of the time, any i64 now and then.
    pub fn i64(&mut self) -> i64 {
        match self.u8() % 4 {
            0 => i64::from(self.u8() as i8),
            1 => i64::from(u16::from_le_bytes([self.u8(), self.u8()])),
            2 => i64::from(i32::from_le_bytes([
                self.u8(),
                self.u8(),
                self.u8(),
                self.u8(),
            ])),
            _ => i64::from_le_bytes(std::array::from_fn(|_| self.u8())),
        }
    }

    pub fn f64(&mut self) -> f64 {
        match self.u8() % 4 {
            0 => f64::from_bits(u64::from_le_bytes(std::array::from_fn(|_| self.u8()))),
            _ => self.i64() as f64 / 10.0,
        }
    }

    /// Raw bytes: a length byte, then that many.
    pub fn raw(&mut self) -> &'a [u8] {
        let n = usize::from(self.u8());
        let end = (self.pos + n).min(self.data.len());
        let start = self.pos.min(end);
        self.pos = end;
        &self.data[start..end]
    }

    /// Text: sometimes one of `words`, else any bytes (lossy UTF-8),
    /// sometimes long.
    pub fn text(&mut self, words: &[&str]) -> String {
        match self.u8() % 4 {
            0 if !words.is_empty() => words[usize::from(self.u8()) % words.len()].to_string(),
            1 => {
                let piece = String::from_utf8_lossy(self.raw()).into_owned();
                piece.repeat(usize::from(self.u8()) * 20 + 1)
            }
            _ => String::from_utf8_lossy(self.raw()).into_owned(),
        }
    }

    pub fn opt_text(&mut self, words: &[&str]) -> Option<String> {
        self.bool().then(|| self.text(words))
    }

    /// A time some seconds (up to centuries) around `now`, or none.
    pub fn time(&mut self, now: jiff::Timestamp) -> Option<jiff::Timestamp> {
        if !self.bool() {
            return None;
        }
        let s = now.as_second().checked_add(self.i64() % 10_000_000_000)?;
        jiff::Timestamp::from_second(s).ok()
    }

    /// Redis values of any kind, nested a few levels.
    pub fn value(&mut self, depth: u8) -> Value {
        match self.u8() % 7 {
            0 => Value::Nil,
            1 => Value::Int(self.i64()),
            2 | 3 => Value::BulkString(self.raw().to_vec()),
            4 if depth < 4 => {
                let n = usize::from(self.u8() % 24);
                Value::Array((0..n).map(|_| self.value(depth + 1)).collect())
            }
            5 => Value::SimpleString(String::from_utf8_lossy(self.raw()).into_owned()),
            _ => Value::Okay,
        }
    }

    pub fn values(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        while !self.is_empty() && out.len() < 200 {
            out.push(self.value(0));
        }
        out
    }
}
