//! A minimal streaming JSON writer: values are written straight to the
//! output, numbers and addresses without temporary strings.

use std::fmt::Display;
use std::io::{self, Write};

/// Writes one JSON array of objects.
pub struct JsonOut<W: Write> {
    w: W,
    first_item: bool,
    first_key: bool,
    first_inner: bool,
}

impl<W: Write> JsonOut<W> {
    pub fn new(mut w: W) -> io::Result<Self> {
        w.write_all(b"[")?;
        Ok(JsonOut {
            w,
            first_item: true,
            first_key: true,
            first_inner: true,
        })
    }

    pub fn begin(&mut self) -> io::Result<()> {
        if !self.first_item {
            self.w.write_all(b",")?;
        }
        self.first_item = false;
        self.first_key = true;
        self.w.write_all(b"{")
    }

    pub fn end(&mut self) -> io::Result<()> {
        self.w.write_all(b"}")
    }

    fn key(&mut self, k: &str) -> io::Result<()> {
        if !self.first_key {
            self.w.write_all(b",")?;
        }
        self.first_key = false;
        write!(self.w, "\"{k}\":")
    }

    pub fn str(&mut self, k: &str, v: &str) -> io::Result<()> {
        self.key(k)?;
        write_str(&mut self.w, v)
    }

    /// A string value produced by `Display` (addresses), written through a
    /// small escaping adapter rather than a temporary `String`.
    pub fn display(&mut self, k: &str, v: impl Display) -> io::Result<()> {
        self.key(k)?;
        self.w.write_all(b"\"")?;
        let mut esc = Escaper(&mut self.w);
        write!(esc, "{v}")?;
        self.w.write_all(b"\"")
    }

    pub fn num(&mut self, k: &str, v: impl Display) -> io::Result<()> {
        self.key(k)?;
        write!(self.w, "{v}")
    }

    pub fn str_array<'a>(
        &mut self,
        k: &str,
        vs: impl IntoIterator<Item = &'a str>,
    ) -> io::Result<()> {
        self.key(k)?;
        self.w.write_all(b"[")?;
        for (i, v) in vs.into_iter().enumerate() {
            if i > 0 {
                self.w.write_all(b",")?;
            }
            write_str(&mut self.w, v)?;
        }
        self.w.write_all(b"]")
    }

    /// A `null` value (how `ip` prints a flag-like key, e.g. `"ecn"`).
    pub fn null(&mut self, k: &str) -> io::Result<()> {
        self.key(k)?;
        self.w.write_all(b"null")
    }

    /// A boolean value.
    pub fn bool(&mut self, k: &str, v: bool) -> io::Result<()> {
        self.key(k)?;
        self.w.write_all(if v { b"true" } else { b"false" })
    }

    /// Opens an array of objects under key `k` (inside the current object).
    pub fn begin_array(&mut self, k: &str) -> io::Result<()> {
        self.key(k)?;
        self.first_inner = true;
        self.w.write_all(b"[")
    }

    /// Opens an object inside the array opened last.
    pub fn begin_inner(&mut self) -> io::Result<()> {
        if !self.first_inner {
            self.w.write_all(b",")?;
        }
        self.first_inner = false;
        self.first_key = true;
        self.w.write_all(b"{")
    }

    /// Closes an inner object.
    pub fn end_inner(&mut self) -> io::Result<()> {
        self.w.write_all(b"}")
    }

    /// Closes the array; keys of the outer object may follow.
    pub fn end_array(&mut self) -> io::Result<()> {
        self.first_key = false;
        self.w.write_all(b"]")
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.w.write_all(b"]\n")?;
        Ok(self.w)
    }
}

fn write_str(w: &mut impl Write, s: &str) -> io::Result<()> {
    w.write_all(b"\"")?;
    Escaper(w).write_all(s.as_bytes())?;
    w.write_all(b"\"")
}

struct Escaper<'w, W: Write>(&'w mut W);

impl<W: Write> Write for Escaper<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for (i, &b) in buf.iter().enumerate() {
            let esc: Option<&[u8]> = match b {
                b'"' => Some(b"\\\""),
                b'\\' => Some(b"\\\\"),
                b'\n' => Some(b"\\n"),
                b'\t' => Some(b"\\t"),
                b'\r' => Some(b"\\r"),
                0..=0x1f => None,
                _ => continue,
            };
            self.0.write_all(&buf[start..i])?;
            match esc {
                Some(e) => self.0.write_all(e)?,
                None => write!(self.0, "\\u{:04x}", b)?,
            }
            start = i + 1;
        }
        self.0.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_escaped_objects() {
        let mut j = JsonOut::new(Vec::new()).unwrap();
        j.begin().unwrap();
        j.str("a", "x\"y\\z\n\u{1}").unwrap();
        j.num("n", 5).unwrap();
        j.str_array("f", ["UP", "LOWER_UP"]).unwrap();
        j.end().unwrap();
        j.begin().unwrap();
        j.display("d", std::net::Ipv4Addr::new(192, 0, 2, 1))
            .unwrap();
        j.end().unwrap();
        let out = String::from_utf8(j.finish().unwrap()).unwrap();
        assert_eq!(
            out,
            "[{\"a\":\"x\\\"y\\\\z\\n\\u0001\",\"n\":5,\"f\":[\"UP\",\"LOWER_UP\"]},{\"d\":\"192.0.2.1\"}]\n"
        );
    }
}
